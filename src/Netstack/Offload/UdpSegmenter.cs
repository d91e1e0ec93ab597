using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Offload;

/// <summary>
/// Software GSO for UDP (USO, <see cref="GsoType.UdpL4"/>): splits a super-datagram — one IP packet whose UDP payload
/// is several datagrams of <see cref="OffloadInfo.GsoSize"/> bytes back to back, the last possibly shorter, as a
/// socket with Linux's <c>UDP_SEGMENT</c> sends them — into those datagrams, each with its own UDP header, length and
/// checksum (Linux <c>__udp_gso_segment</c>). Unlike IP fragmentation every piece is a datagram of its own.
/// </summary>
/// <remarks>IPv4 segments get consecutive identifications from the super-datagram's, as Linux does.</remarks>
internal static class UdpSegmenter
{
    /// <summary>
    /// Splits <paramref name="packet"/> (starting at its IP header) into datagrams of its GSO size appended to
    /// <paramref name="output"/>, taking the packet's reference. Returns how many: 1 when the payload fits one
    /// segment (the packet passes with its GSO marks cleared), 0 when it is not a UDP super-datagram that can be
    /// split (the packet is released: drop and count it).
    /// </summary>
    /// <param name="packet">The super-datagram, positioned at its IP header.</param>
    /// <param name="pool">Where the segments' buffers come from.</param>
    /// <param name="output">Receives the segments.</param>
    /// <param name="partialChecksum">Leave each UDP checksum as the pseudo-header sum with <see cref="OffloadInfo.NeedsChecksum"/>
    /// (the link completes it) instead of computing it.</param>
    public static int Segment(PacketBuffer packet, PacketPool pool, PacketBatch output, bool partialChecksum)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(output);
        int size = packet.Offload.GsoSize;
        Span<byte> bytes = packet.Span;
        if (size == 0 || packet.Offload.GsoType != GsoType.UdpL4 || bytes.Length == 0
            || !GsoIpHeader.TryParse(bytes, (bytes[0] >> 4) == 6, IpProtocol.Udp, out int ipLength)
            || bytes.Length - ipLength < UdpHeader.HeaderLength)
        {
            packet.Release();
            return 0;
        }
        var writer = new SegmentWriter(ipLength, GsoIpHeader.Identification(bytes), partialChecksum);
        return GsoSplit.Split(packet, pool, output, ipLength + UdpHeader.HeaderLength, size, ref writer);
    }

    /// <summary>Datagram i gets the super-datagram's IPv4 identification plus i, its own UDP length and checksum.</summary>
    private readonly struct SegmentWriter(int ipLength, ushort id, bool partialChecksum) : GsoSplit.ISegmentWriter
    {
        public void Write(PacketBuffer segment, Span<byte> bytes, int index, int count) =>
            FixSegment(segment, bytes, ipLength, (ushort)(id + index), partialChecksum);
    }

    private static void FixSegment(PacketBuffer packet, Span<byte> s, int ipLength, ushort id, bool partialChecksum)
    {
        GsoIpHeader.Fix(s, ipLength, id, out NetAddress source, out NetAddress destination);
        Span<byte> udp = s[ipLength..];
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpHeader.LengthOffset..], (ushort)udp.Length);
        ulong pseudo = Checksum.PseudoHeader(source, destination, IpProtocol.Udp, udp.Length);
        packet.Offload = default;
        packet.Offload.SegmentCount = 1;
        if (partialChecksum)
        {
            BinaryPrimitives.WriteUInt16BigEndian(udp[UdpHeader.ChecksumOffset..], Checksum.Fold(pseudo));
            packet.Offload.NeedsChecksum = true;
            packet.Offload.ChecksumStart = (ushort)ipLength;
            packet.Offload.ChecksumOffset = UdpHeader.ChecksumOffset;
            packet.Offload.HeaderLength = (ushort)(ipLength + UdpHeader.HeaderLength);
            return;
        }
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpHeader.ChecksumOffset..], 0);
        ushort checksum = Checksum.Finish(Checksum.Add(udp, pseudo));
        // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpHeader.ChecksumOffset..], checksum == 0 ? (ushort)0xffff : checksum);
    }
}
