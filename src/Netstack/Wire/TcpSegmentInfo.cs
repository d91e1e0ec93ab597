namespace Netstack.Wire;

/// <summary>
/// The fields of a TCP header as values (the representation beside the <see cref="TcpHeader"/> view), so TCP
/// logic reasons about numbers, not offsets. <see cref="TryParse"/> fails when the header is malformed
/// (<see cref="TcpHeader.TryParse"/>) or its options area is (<see cref="TcpOptionsInfo.TryParse"/>); it never
/// throws. <see cref="WriteTo"/> emits the header with options in the Linux layout and a zero checksum.
/// </summary>
public readonly record struct TcpSegmentInfo(
    ushort SourcePort,
    ushort DestinationPort,
    uint SequenceNumber,
    uint AcknowledgmentNumber,
    TcpFlags Flags,
    ushort WindowSize,
    TcpOptionsInfo Options,
    int PayloadLength = 0,
    ushort UrgentPointer = 0)
{
    /// <summary>Sequence space the segment occupies: payload plus one for each of SYN and FIN (RFC 9293 §3.4).</summary>
    public int SegmentLength => PayloadLength + ((Flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((Flags & TcpFlags.Fin) != 0 ? 1 : 0);

    /// <summary>The header length <see cref="WriteTo"/> will emit: 20 plus the aligned options.</summary>
    public int HeaderLength => TcpHeader.MinLength + TcpOptions.GetLength(Options);

    public static bool TryParse(Span<byte> segment, out TcpSegmentInfo info)
    {
        info = default;
        if (!TcpHeader.TryParse(segment, out TcpHeader tcp) || !tcp.TryGetOptions(out TcpOptionsInfo options))
        {
            return false;
        }
        info = new TcpSegmentInfo(tcp.SourcePort, tcp.DestinationPort, tcp.SequenceNumber, tcp.AcknowledgmentNumber,
            tcp.Flags, tcp.WindowSize, options, tcp.Payload.Length, tcp.UrgentPointer);
        return true;
    }

    /// <summary>Writes the header (not the payload) with a zero checksum; returns the header length.</summary>
    public int WriteTo(Span<byte> destination) =>
        TcpHeader.Write(destination, SourcePort, DestinationPort, SequenceNumber, AcknowledgmentNumber, Flags, WindowSize, Options, UrgentPointer);
}
