using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Offload;

/// <summary>
/// Software GSO for TCP: splits a super-segment (an IPv4 or IPv6 packet carrying more than one MSS of TCP payload,
/// <see cref="OffloadInfo.GsoType"/> TcpV4/TcpV6 and <see cref="OffloadInfo.GsoSize"/> = MSS) into the wire
/// segments a peer would have received had TCP sent them one by one, following Linux <c>tcp_gso_segment</c> and
/// <c>inet_gso_segment</c>/<c>ipv6_gso_segment</c>.
/// </summary>
/// <remarks>
/// <para>Each segment is the super-segment's headers (the template, IP options or IPv6 extension headers
/// included) followed by its slice of the payload, with: the sequence number advanced by the payload before it;
/// FIN and PSH only on the last segment and CWR only on the first (the ECN rule of RFC 3168 §6.1.2, as Linux
/// clears <c>th->cwr</c> after the first); IPv4 total length, identification + i and header checksum, or the
/// IPv6 payload length; and the TCP checksum, computed in full or left as the pseudo-header sum with
/// <see cref="OffloadInfo.NeedsChecksum"/> when the link completes it.</para>
/// <para>The pieces are cut by <see cref="GsoSplit"/> (the last one in place when no one else holds the
/// super-segment). Nothing is allocated. The headers are parsed here rather than trusted from
/// <see cref="OffloadInfo.HeaderLength"/>.</para>
/// </remarks>
internal static class TcpSegmenter
{
    /// <summary>
    /// Splits <paramref name="packet"/> (starting at its IP header) into MSS-sized segments appended to
    /// <paramref name="output"/>, taking the packet's reference. Returns how many were appended: 1 when the payload
    /// already fits one MSS (the packet passes with its GSO marks cleared and its checksum finished), 0 when the
    /// headers are not a TCP super-segment that can be split (the packet is released: drop and count it).
    /// </summary>
    /// <param name="packet">The super-segment; its <see cref="OffloadInfo.GsoSize"/> is the MSS.</param>
    /// <param name="pool">Where the segments' buffers come from.</param>
    /// <param name="output">Receives the segments in sequence order.</param>
    /// <param name="partialChecksum">Leave each TCP checksum as the pseudo-header sum with <see cref="OffloadInfo.NeedsChecksum"/>
    /// (the link has <see cref="Link.LinkCapabilities.TxChecksumOffload"/>) instead of computing it.</param>
    public static int Segment(PacketBuffer packet, PacketPool pool, PacketBatch output, bool partialChecksum)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(output);
        int mss = packet.Offload.GsoSize;
        if (mss == 0 || !TryParseHeaders(packet, out int ipLength, out int headerLength))
        {
            packet.Release();
            return 0;
        }
        Span<byte> bytes = packet.Span;
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(bytes[(ipLength + TcpHeader.SequenceNumberOffset)..]);
        var writer = new SegmentWriter(ipLength, headerLength, seq, GsoIpHeader.Identification(bytes), mss, partialChecksum);
        return GsoSplit.Split(packet, pool, output, headerLength, mss, ref writer);
    }

    /// <summary>Segment i: sequence number advanced by i MSS, IPv4 identification plus i, flags by position.</summary>
    private readonly struct SegmentWriter(int ipLength, int headerLength, uint seq, ushort id, int mss, bool partialChecksum) : GsoSplit.ISegmentWriter
    {
        public void Write(PacketBuffer segment, Span<byte> bytes, int index, int count) =>
            FixSegment(segment, bytes, ipLength, headerLength, seq + (uint)(index * mss), (ushort)(id + index), index == 0, index == count - 1, partialChecksum);
    }

    /// <summary>Finds the IP header length (options or extension headers included) and the length of all headers of a TCP packet.</summary>
    internal static bool TryParseHeaders(PacketBuffer packet, out int ipLength, out int headerLength)
    {
        headerLength = 0;
        Span<byte> bytes = packet.Span;
        GsoType type = packet.Offload.GsoType;
        if (type is not (GsoType.TcpV4 or GsoType.TcpV6) || !GsoIpHeader.TryParse(bytes, type == GsoType.TcpV6, IpProtocol.Tcp, out ipLength)
            || !TcpHeader.TryParse(bytes[ipLength..], out TcpHeader tcp))
        {
            ipLength = 0;
            return false;
        }
        headerLength = ipLength + tcp.HeaderLength;
        return true;
    }

    /// <summary>Makes one segment's headers describe it: lengths, IPv4 id and checksum, sequence number, flags, TCP checksum.</summary>
    private static void FixSegment(PacketBuffer packet, Span<byte> s, int ipLength, int headerLength, uint seq, ushort id, bool isFirst, bool isLast, bool partialChecksum)
    {
        int tcpLength = s.Length - ipLength;
        GsoIpHeader.Fix(s, ipLength, id, out NetAddress source, out NetAddress destination);
        Span<byte> tcp = s[ipLength..];
        if (!(isFirst && isLast))
        {
            BinaryPrimitives.WriteUInt32BigEndian(tcp[TcpHeader.SequenceNumberOffset..], seq);
            byte flags = tcp[TcpHeader.FlagsOffset];
            if (!isLast)
            {
                flags &= unchecked((byte)~(TcpFlags.Fin | TcpFlags.Psh));
            }
            if (!isFirst)
            {
                flags &= unchecked((byte)~TcpFlags.Cwr);
            }
            tcp[TcpHeader.FlagsOffset] = flags;
        }
        ulong pseudo = Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, tcpLength);
        if (partialChecksum)
        {
            BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], Checksum.Fold(pseudo));
            packet.Offload.NeedsChecksum = true;
            packet.Offload.ChecksumStart = (ushort)ipLength;
            packet.Offload.ChecksumOffset = TcpHeader.ChecksumOffset;
            packet.Offload.HeaderLength = (ushort)headerLength;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], Checksum.Finish(Checksum.Add(tcp, pseudo)));
        }
        packet.Offload.SegmentCount = 1;
    }
}
