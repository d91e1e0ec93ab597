using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Offload;

/// <summary>
/// A view of Linux's <c>struct virtio_net_hdr</c> (include/uapi/linux/virtio_net.h), the header a TUN device
/// opened with <c>IFF_VNET_HDR</c> puts in front of every packet: checksum-offload state and GSO parameters.
/// Unlike the network headers it is LITTLE-endian (virtio 1.0, and the native order on every machine we run on).
/// <see cref="TryParse"/> only checks that <see cref="Length"/> bytes are present, after which no accessor can
/// throw; <see cref="TryDecode"/> validates the values against the packet that follows and never throws.
/// </summary>
/// <remarks>
/// Layout: <c>u8 flags; u8 gso_type; le16 hdr_len; le16 gso_size; le16 csum_start; le16 csum_offset;</c> and, in
/// the 12-byte <c>virtio_net_hdr_mrg_rxbuf</c> variant (<c>TUNSETVNETHDRSZ</c> 12), <c>le16 num_buffers</c>.
/// The kernel fills <c>hdr_len</c> with the length of the skb's linear part, which may include payload, so
/// <see cref="TryDecode"/> recomputes the header length from the packet instead of trusting it.
/// </remarks>
public readonly ref struct VirtioNetHeader
{
    /// <summary>Size of <c>struct virtio_net_hdr</c>.</summary>
    public const int Length = 10;

    /// <summary>Size of <c>struct virtio_net_hdr_mrg_rxbuf</c> (with <c>num_buffers</c>).</summary>
    public const int MergeableLength = 12;

    /// <summary>Byte offset of <c>flags</c>.</summary>
    public const int FlagsOffset = 0;
    /// <summary>Byte offset of <c>gso_type</c>.</summary>
    public const int GsoTypeOffset = 1;
    /// <summary>Byte offset of <c>hdr_len</c>.</summary>
    public const int HeaderLengthOffset = 2;
    /// <summary>Byte offset of <c>gso_size</c>.</summary>
    public const int GsoSizeOffset = 4;
    /// <summary>Byte offset of <c>csum_start</c>.</summary>
    public const int ChecksumStartOffset = 6;
    /// <summary>Byte offset of <c>csum_offset</c>.</summary>
    public const int ChecksumOffsetOffset = 8;
    /// <summary>Byte offset of <c>num_buffers</c> (mergeable variant only).</summary>
    public const int NumBuffersOffset = 10;

    /// <summary><c>VIRTIO_NET_HDR_F_NEEDS_CSUM</c>: the checksum at csum_start + csum_offset holds only the pseudo-header sum.</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary><c>VIRTIO_NET_HDR_F_DATA_VALID</c>: the checksum was verified (receive side).</summary>
    public const byte FlagDataValid = 2;

    /// <summary><c>VIRTIO_NET_HDR_GSO_NONE</c>.</summary>
    public const byte GsoNone = 0;

    /// <summary><c>VIRTIO_NET_HDR_GSO_TCPV4</c>.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary><c>VIRTIO_NET_HDR_GSO_UDP</c> (UFO, fragmentation of UDP datagrams).</summary>
    public const byte GsoUdp = 3;

    /// <summary><c>VIRTIO_NET_HDR_GSO_TCPV6</c>.</summary>
    public const byte GsoTcpV6 = 4;

    /// <summary><c>VIRTIO_NET_HDR_GSO_UDP_L4</c> (USO, segmentation of UDP payloads).</summary>
    public const byte GsoUdpL4 = 5;

    /// <summary><c>VIRTIO_NET_HDR_GSO_ECN</c>: the TCP super-segment has CWR set (only on the first segment after splitting).</summary>
    public const byte GsoEcn = 0x80;

    private const int UdpHeaderLength = 8;

    private readonly Span<byte> _bytes;

    private VirtioNetHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Succeeds when at least <see cref="Length"/> bytes are present; <see cref="NumBuffers"/> needs <see cref="MergeableLength"/>.</summary>
    public static bool TryParse(Span<byte> bytes, out VirtioNetHeader header)
    {
        header = default;
        if (bytes.Length < Length)
        {
            return false;
        }
        header = new VirtioNetHeader(bytes);
        return true;
    }

    /// <summary><c>flags</c>: <see cref="FlagNeedsChecksum"/> and/or <see cref="FlagDataValid"/>.</summary>
    public byte Flags
    {
        get => _bytes[FlagsOffset];
        set => _bytes[FlagsOffset] = value;
    }

    /// <summary>The raw gso_type byte, ECN bit included.</summary>
    public byte GsoType
    {
        get => _bytes[GsoTypeOffset];
        set => _bytes[GsoTypeOffset] = value;
    }

    /// <summary><c>hdr_len</c> in bytes as the kernel wrote it (may include payload on receive; see the remarks).</summary>
    public ushort HeaderLength
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[HeaderLengthOffset..]);
        set => BinaryPrimitives.WriteUInt16LittleEndian(_bytes[HeaderLengthOffset..], value);
    }

    /// <summary><c>gso_size</c>: payload bytes per segment (the MSS for TCP); 0 without GSO.</summary>
    public ushort GsoSize
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[GsoSizeOffset..]);
        set => BinaryPrimitives.WriteUInt16LittleEndian(_bytes[GsoSizeOffset..], value);
    }

    /// <summary><c>csum_start</c>: offset in bytes from the start of the packet where checksumming begins.</summary>
    public ushort ChecksumStart
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[ChecksumStartOffset..]);
        set => BinaryPrimitives.WriteUInt16LittleEndian(_bytes[ChecksumStartOffset..], value);
    }

    /// <summary><c>csum_offset</c>: offset in bytes of the checksum field from <see cref="ChecksumStart"/>.</summary>
    public ushort ChecksumOffset
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[ChecksumOffsetOffset..]);
        set => BinaryPrimitives.WriteUInt16LittleEndian(_bytes[ChecksumOffsetOffset..], value);
    }

    /// <summary>
    /// Whether <paramref name="packet"/> (from its IP header) is a TCP super-segment whose header has CWR, which
    /// <see cref="Write"/> then marks with <see cref="GsoEcn"/> (Linux SKB_GSO_TCP_ECN): the TCP header sits at
    /// <see cref="OffloadInfo.ChecksumStart"/>, as every TCP super-segment leaves its checksum to the device.
    /// </summary>
    internal static bool IsTcpSuperSegmentWithCwr(ReadOnlySpan<byte> packet, in OffloadInfo offload) =>
        offload.GsoType is Buffers.GsoType.TcpV4 or Buffers.GsoType.TcpV6 && offload.NeedsChecksum
        && offload.ChecksumStart + TcpHeader.FlagsOffset < packet.Length
        && (packet[offload.ChecksumStart + TcpHeader.FlagsOffset] & (byte)TcpFlags.Cwr) != 0;

    /// <summary>num_buffers of the mergeable variant; 0 when the view is only <see cref="Length"/> bytes long.</summary>
    public ushort NumBuffers => _bytes.Length >= MergeableLength ? BinaryPrimitives.ReadUInt16LittleEndian(_bytes[NumBuffersOffset..]) : (ushort)0;

    /// <summary>
    /// Writes the header for an outbound packet described by <paramref name="offload"/> and returns its length
    /// (<see cref="Length"/>, or <see cref="MergeableLength"/> with <paramref name="mergeable"/>; num_buffers is 0
    /// on transmit). <paramref name="ecn"/> sets <see cref="GsoEcn"/> on a TCP super-segment whose header has CWR.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static int Write(Span<byte> destination, in OffloadInfo offload, bool mergeable = false, bool ecn = false)
    {
        int length = mergeable ? MergeableLength : Length;
        if (destination.Length < length)
        {
            throw new ArgumentException($"A virtio_net_hdr needs {length} bytes.", nameof(destination));
        }
        Span<byte> h = destination[..length];
        byte gsoType = offload.GsoType switch
        {
            Buffers.GsoType.TcpV4 => GsoTcpV4,
            Buffers.GsoType.TcpV6 => GsoTcpV6,
            Buffers.GsoType.Udp => GsoUdp,
            Buffers.GsoType.UdpL4 => GsoUdpL4,
            _ => GsoNone,
        };
        if (ecn && gsoType is GsoTcpV4 or GsoTcpV6)
        {
            gsoType |= GsoEcn;
        }
        h[FlagsOffset] = offload.NeedsChecksum ? FlagNeedsChecksum : offload.ChecksumValid ? FlagDataValid : (byte)0;
        h[GsoTypeOffset] = gsoType;
        bool gso = gsoType != GsoNone;
        BinaryPrimitives.WriteUInt16LittleEndian(h[HeaderLengthOffset..], gso ? offload.HeaderLength : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(h[GsoSizeOffset..], gso ? offload.GsoSize : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(h[ChecksumStartOffset..], offload.NeedsChecksum ? offload.ChecksumStart : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(h[ChecksumOffsetOffset..], offload.NeedsChecksum ? offload.ChecksumOffset : (ushort)0);
        if (mergeable)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[NumBuffersOffset..], 0);
        }
        return length;
    }

    /// <summary>
    /// Translates a received header into <paramref name="offload"/> for <paramref name="packet"/> (the IP packet
    /// that followed it). False, never an exception, for anything a well-behaved kernel would not send: unknown
    /// flag bits or GSO types, ECN on a non-TCP type, a checksum field outside the packet, a GSO packet whose IP
    /// version or transport header does not match its type, or a zero gso_size.
    /// </summary>
    /// <remarks>
    /// A partial checksum (<see cref="FlagNeedsChecksum"/>) arriving from the kernel came from a local sender and
    /// was never on a wire, so like Linux's CHECKSUM_PARTIAL on receive it counts as verified:
    /// <see cref="OffloadInfo.ChecksumValid"/> is set along with <see cref="OffloadInfo.NeedsChecksum"/>.
    /// <see cref="OffloadInfo.HeaderLength"/> is computed from the packet (IP header + transport header) and
    /// <see cref="OffloadInfo.SegmentCount"/> from the payload and gso_size.
    /// </remarks>
    public static bool TryDecode(ReadOnlySpan<byte> header, ReadOnlySpan<byte> packet, out OffloadInfo offload)
    {
        offload = default;
        offload.SegmentCount = 1;
        if (header.Length < Length)
        {
            return false;
        }
        byte flags = header[FlagsOffset];
        byte rawType = header[GsoTypeOffset];
        ushort hdrLen = BinaryPrimitives.ReadUInt16LittleEndian(header[HeaderLengthOffset..]);
        ushort gsoSize = BinaryPrimitives.ReadUInt16LittleEndian(header[GsoSizeOffset..]);
        ushort csumStart = BinaryPrimitives.ReadUInt16LittleEndian(header[ChecksumStartOffset..]);
        ushort csumOffset = BinaryPrimitives.ReadUInt16LittleEndian(header[ChecksumOffsetOffset..]);
        if ((flags & ~(FlagNeedsChecksum | FlagDataValid)) != 0 || hdrLen > packet.Length)
        {
            return false;
        }
        bool ecn = (rawType & GsoEcn) != 0;
        byte type = (byte)(rawType & ~GsoEcn);
        if (!TryMapGsoType(type, out Buffers.GsoType gsoType))
        {
            return false;
        }
        if (ecn && gsoType is not (Buffers.GsoType.TcpV4 or Buffers.GsoType.TcpV6))
        {
            return false;
        }
        bool needsChecksum = (flags & FlagNeedsChecksum) != 0;
        if (needsChecksum && csumStart + csumOffset + 2 > packet.Length)
        {
            return false;
        }
        offload.NeedsChecksum = needsChecksum;
        offload.ChecksumValid = needsChecksum || (flags & FlagDataValid) != 0;
        if (needsChecksum)
        {
            offload.ChecksumStart = csumStart;
            offload.ChecksumOffset = csumOffset;
        }
        if (gsoType == Buffers.GsoType.None)
        {
            return true;
        }
        if (gsoSize == 0 || !TryFindTransport(packet, gsoType, needsChecksum ? csumStart : -1, out int transport))
        {
            return false;
        }
        if (!TryGetHeaderLength(packet, gsoType, transport, needsChecksum ? csumOffset : -1, out int headerLength))
        {
            return false;
        }
        int payload = packet.Length - headerLength;
        offload.GsoType = gsoType;
        offload.GsoSize = gsoSize;
        offload.HeaderLength = (ushort)headerLength;
        offload.SegmentCount = (ushort)Math.Max(1, (payload + gsoSize - 1) / gsoSize);
        return true;
    }

    /// <summary>The <see cref="Buffers.GsoType"/> of a gso_type value without its ECN bit; false for an unknown type.</summary>
    private static bool TryMapGsoType(byte type, out Buffers.GsoType gsoType)
    {
        gsoType = type switch
        {
            GsoNone => Buffers.GsoType.None,
            GsoTcpV4 => Buffers.GsoType.TcpV4,
            GsoTcpV6 => Buffers.GsoType.TcpV6,
            GsoUdp => Buffers.GsoType.Udp,
            GsoUdpL4 => Buffers.GsoType.UdpL4,
            _ => Buffers.GsoType.None,
        };
        return type is GsoNone or GsoTcpV4 or GsoTcpV6 or GsoUdp or GsoUdpL4;
    }

    /// <summary>
    /// The length of the IP and transport headers of a GSO packet whose transport header starts at
    /// <paramref name="transport"/>; false when the transport header does not fit, or when a partial checksum's
    /// <paramref name="checksumOffset"/> (-1 when none) is not the transport's checksum field.
    /// </summary>
    private static bool TryGetHeaderLength(ReadOnlySpan<byte> packet, Buffers.GsoType gsoType, int transport, int checksumOffset, out int headerLength)
    {
        headerLength = 0;
        if (gsoType is Buffers.GsoType.TcpV4 or Buffers.GsoType.TcpV6)
        {
            if ((checksumOffset >= 0 && checksumOffset != TcpHeader.ChecksumOffset) || transport + TcpHeader.MinLength > packet.Length)
            {
                return false;
            }
            int tcpLength = (packet[transport + TcpHeader.DataOffsetOffset] >> 4) * 4;
            headerLength = transport + tcpLength;
            return tcpLength >= TcpHeader.MinLength && headerLength <= packet.Length;
        }
        if (checksumOffset >= 0 && checksumOffset != 6)
        {
            return false;
        }
        headerLength = transport + UdpHeaderLength;
        return headerLength <= packet.Length;
    }

    /// <summary>Where the transport header of a GSO packet starts: csum_start when given (it must lie past the IP header), else right after a fixed IP header.</summary>
    private static bool TryFindTransport(ReadOnlySpan<byte> packet, Buffers.GsoType type, int checksumStart, out int transport)
    {
        transport = 0;
        if (packet.Length < Ipv4Header.MinLength)
        {
            return false;
        }
        int version = packet[0] >> 4;
        int ipLength;
        byte protocol;
        if (version == 4)
        {
            ipLength = (packet[0] & 0x0F) * 4;
            protocol = packet[Ipv4Header.ProtocolOffset];
            if (ipLength < Ipv4Header.MinLength || ipLength > packet.Length)
            {
                return false;
            }
        }
        else if (version == 6 && packet.Length >= Ipv6Header.Length)
        {
            ipLength = Ipv6Header.Length;
            protocol = packet[Ipv6Header.NextHeaderOffset];
        }
        else
        {
            return false;
        }
        bool tcp = type is Buffers.GsoType.TcpV4 or Buffers.GsoType.TcpV6;
        if ((type == Buffers.GsoType.TcpV4 && version != 4) || (type == Buffers.GsoType.TcpV6 && version != 6))
        {
            return false;
        }
        if (checksumStart >= 0)
        {
            // Extension headers (IPv6) or options may sit in between; csum_start says where the transport begins.
            if (checksumStart < ipLength)
            {
                return false;
            }
            transport = checksumStart;
            return true;
        }
        if (protocol != (tcp ? IpProtocol.Tcp : IpProtocol.Udp))
        {
            return false;
        }
        transport = ipLength;
        return true;
    }
}
