namespace Netstack.Buffers;

/// <summary>How a packet's segmentation and checksum are left to (outbound) or were done by (inbound) the link.</summary>
/// <remarks>
/// This mirrors Linux's <c>virtio_net_hdr</c> so a TUN link with <c>IFF_VNET_HDR</c> can translate it directly:
/// <see cref="GsoType"/> and <see cref="GsoSize"/> (the MSS) describe a super-segment, <see cref="ChecksumStart"/>
/// and <see cref="ChecksumOffset"/> a partial checksum (<see cref="NeedsChecksum"/>) the link must complete.
/// </remarks>
public struct OffloadInfo
{
    /// <summary>Which protocol's segmentation a super-segment needs; <see cref="GsoType.None"/> for an ordinary packet.</summary>
    public GsoType GsoType;

    /// <summary>Payload bytes per segment after segmentation (the MSS for TCP).</summary>
    public ushort GsoSize;

    /// <summary>Length of all headers (network + transport) in front of the payload.</summary>
    public ushort HeaderLength;

    /// <summary>Offset from the packet start where checksumming begins (the transport header).</summary>
    public ushort ChecksumStart;

    /// <summary>Offset of the checksum field from <see cref="ChecksumStart"/>.</summary>
    public ushort ChecksumOffset;

    /// <summary>Outbound: the transport checksum holds only the pseudo-header sum; the link (or the peer) completes it.</summary>
    public bool NeedsChecksum;

    /// <summary>Inbound: the link already verified the transport checksum.</summary>
    public bool ChecksumValid;

    /// <summary>Inbound: how many wire segments GRO merged into this packet (1 when not merged).</summary>
    public ushort SegmentCount;
}

/// <summary>The segmentation a super-segment needs (values follow virtio_net_hdr's gso_type).</summary>
public enum GsoType : byte
{
    /// <summary>An ordinary packet: no segmentation.</summary>
    None = 0,
    /// <summary>A TCP-over-IPv4 super-segment, split into MSS-sized segments (TSO).</summary>
    TcpV4 = 1,
    /// <summary>A UDP datagram to be IP-fragmented (UFO).</summary>
    Udp = 3,
    /// <summary>A TCP-over-IPv6 super-segment, split into MSS-sized segments (TSO).</summary>
    TcpV6 = 4,
    /// <summary>A UDP super-datagram, split into datagrams of <see cref="OffloadInfo.GsoSize"/> payload bytes each (USO, Linux UDP_SEGMENT).</summary>
    UdpL4 = 5,
}
