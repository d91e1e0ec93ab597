using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>One SACK block (RFC 2018 §3): the sequence range [Left, Right).</summary>
internal readonly record struct SackBlock(SeqNumber Left, SeqNumber Right);

/// <summary>Up to four SACK blocks held inline (the most a 40-byte option space carries).</summary>
[InlineArray(4)]
internal struct SackBlocks
{
    private SackBlock _element;
}

/// <summary>
/// The representation of a TCP segment's header as values (smoltcp's <c>TcpRepr</c> idea): what the
/// state machine reasons about. <see cref="TryParse"/> validates every length it reads and never
/// throws on hostile bytes; unknown options are skipped by their length and a bad length ends the
/// option walk (RFC 9293 §3.1: options we do not understand are ignored).
/// </summary>
internal struct TcpSegment
{
    public const int MinHeaderLength = 20;
    public const int MaxOptionsLength = 40;

    public ushort SourcePort;
    public ushort DestinationPort;
    public SeqNumber Seq;
    public SeqNumber Ack;
    public TcpFlags Flags;
    /// <summary>The raw 16-bit window field (unscaled).</summary>
    public ushort Window;
    public int HeaderLength;
    public int PayloadLength;

    /// <summary>MSS option value, 0 when absent.</summary>
    public ushort Mss;
    /// <summary>Window scale option shift, -1 when absent.</summary>
    public int WindowScale;
    public bool SackPermitted;
    public bool HasTimestamp;
    public uint TsVal;
    public uint TsEcr;
    public int SackCount;
    public SackBlocks Sack;
    /// <summary>The ECN codepoint of the IP header that carried the segment (inbound only; RFC 3168 §5).</summary>
    public EcnCodepoint IpEcn;

    public readonly bool Has(TcpFlags flag) => (Flags & flag) != 0;

    /// <summary>SEG.LEN of RFC 9293: payload plus one for SYN and one for FIN.</summary>
    public readonly uint SeqLength => (uint)PayloadLength + (Has(TcpFlags.Syn) ? 1u : 0) + (Has(TcpFlags.Fin) ? 1u : 0);

    public static bool TryParse(ReadOnlySpan<byte> bytes, out TcpSegment segment)
    {
        segment = default;
        segment.WindowScale = -1;
        if (bytes.Length < MinHeaderLength)
        {
            return false;
        }
        int headerLength = (bytes[12] >> 4) * 4;
        if (headerLength < MinHeaderLength || headerLength > bytes.Length)
        {
            return false;
        }
        segment.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        segment.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        segment.Seq = new SeqNumber(BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]));
        segment.Ack = new SeqNumber(BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));
        segment.Flags = (TcpFlags)bytes[13];
        segment.Window = BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]);
        segment.HeaderLength = headerLength;
        segment.PayloadLength = bytes.Length - headerLength;
        ParseOptions(bytes[MinHeaderLength..headerLength], ref segment);
        return true;
    }

    /// <summary>
    /// Copies the options Wire's <see cref="TcpOptionsInfo"/> reads (unknown kinds skipped by length; on a bad
    /// length what came before it is kept, as Linux's tcp_parse_options does) into the segment's fields.
    /// </summary>
    private static void ParseOptions(ReadOnlySpan<byte> options, ref TcpSegment segment)
    {
        _ = TcpOptionsInfo.TryParse(options, out TcpOptionsInfo info);
        segment.Mss = info.Mss ?? 0;
        segment.WindowScale = info.WindowScale ?? -1;
        segment.SackPermitted = info.SackPermitted;
        if (info.Timestamp is TcpTimestamp ts)
        {
            segment.HasTimestamp = true;
            segment.TsVal = ts.Value;
            segment.TsEcr = ts.EchoReply;
        }
        segment.SackCount = info.SackBlocks.Count;
        for (int b = 0; b < segment.SackCount; b++)
        {
            segment.Sack[b] = new SackBlock(new SeqNumber(info.SackBlocks[b].Left), new SeqNumber(info.SackBlocks[b].Right));
        }
    }

    /// <summary>The header length (options padded to 4 bytes) <see cref="Write"/> will produce.</summary>
    public readonly int ComputeHeaderLength() => MinHeaderLength + TcpOptions.GetLength(ToOptionsInfo());

    /// <summary>
    /// Writes the header (checksum zero) into <paramref name="destination"/>, which must be at least
    /// <see cref="ComputeHeaderLength"/> bytes; returns the header length. Options use Wire's Linux layout.
    /// </summary>
    public readonly int Write(Span<byte> destination)
    {
        TcpOptionsInfo options = ToOptionsInfo();
        int length = MinHeaderLength + TcpOptions.GetLength(options);
        Span<byte> h = destination[..length];
        BinaryPrimitives.WriteUInt16BigEndian(h, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(h[4..], Seq.Value);
        BinaryPrimitives.WriteUInt32BigEndian(h[8..], Ack.Value);
        h[12] = (byte)((length / 4) << 4);
        h[13] = (byte)Flags;
        BinaryPrimitives.WriteUInt16BigEndian(h[14..], Window);
        BinaryPrimitives.WriteUInt32BigEndian(h[16..], 0); // checksum + urgent pointer
        TcpOptions.Write(h[MinHeaderLength..], options);
        return length;
    }

    private readonly TcpOptionsInfo ToOptionsInfo()
    {
        SackBlockList blocks = default;
        for (int b = 0; b < SackCount; b++)
        {
            blocks.Add(new Netstack.Wire.SackBlock(Sack[b].Left.Value, Sack[b].Right.Value));
        }
        return new TcpOptionsInfo
        {
            Mss = Mss != 0 ? Mss : null,
            WindowScale = WindowScale >= 0 ? (byte?)WindowScale : null,
            SackPermitted = SackPermitted,
            Timestamp = HasTimestamp ? new TcpTimestamp(TsVal, TsEcr) : null,
            SackBlocks = blocks,
        };
    }

    /// <summary>Fills in the checksum over the pseudo-header, header and payload in <paramref name="segment"/>.</summary>
    public static void WriteChecksum(Span<byte> segment, NetAddress source, NetAddress destination)
    {
        segment[16] = 0;
        segment[17] = 0;
        ulong sum = Checksum.PseudoHeader(source, destination, 6, segment.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum.Finish(Checksum.Add(segment, sum)));
    }
}
