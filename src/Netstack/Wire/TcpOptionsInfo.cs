using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>The Timestamps option values (RFC 7323 §3.2): TSval and TSecr.</summary>
public readonly record struct TcpTimestamp(uint Value, uint EchoReply);

/// <summary>
/// The TCP options TCP logic cares about, as values: MSS, window scale, SACK-Permitted, timestamps and up to
/// four SACK blocks. <see cref="TryParse"/> reads an options area with <see cref="TcpOptions"/> and returns false
/// only when the area is malformed (an option length below 2 or past the end). A known kind with the wrong
/// length is ignored, as Linux does (tcp_parse_options); a window scale above 14 is read as 14 (RFC 7323 §2.3);
/// SACK blocks beyond four cannot fit and are ignored. Emit with <see cref="TcpOptions.Write"/>.
/// </summary>
public readonly record struct TcpOptionsInfo
{
    /// <summary>The largest window shift allowed (RFC 7323 §2.3).</summary>
    public const byte MaxWindowScale = 14;

    /// <summary>The Maximum Segment Size option (bytes of payload per segment), or null when absent.</summary>
    public ushort? Mss { get; init; }

    /// <summary>The Window Scale shift count (0..14), or null when absent.</summary>
    public byte? WindowScale { get; init; }

    /// <summary>Whether the SACK-Permitted option is present.</summary>
    public bool SackPermitted { get; init; }

    /// <summary>The Timestamps option, or null when absent.</summary>
    public TcpTimestamp? Timestamp { get; init; }

    /// <summary>The blocks of the last well-formed SACK option (up to four); empty when absent.</summary>
    public SackBlockList SackBlocks { get; init; }

    /// <summary>Parses an options area (see the type remarks).</summary>
    /// <returns><see langword="false"/> when the area is malformed; <paramref name="info"/> then holds what was read before the fault.</returns>
    public static bool TryParse(ReadOnlySpan<byte> options, out TcpOptionsInfo info)
    {
        ushort? mss = null;
        byte? windowScale = null;
        bool sackPermitted = false;
        TcpTimestamp? timestamp = null;
        SackBlockList sackBlocks = default;
        var reader = new TcpOptions(options);
        while (reader.MoveNext())
        {
            ReadOnlySpan<byte> data = reader.Current.Data;
            switch (reader.Current.Kind)
            {
                case TcpOptionKind.MaximumSegmentSize when data.Length == 2:
                    mss = BinaryPrimitives.ReadUInt16BigEndian(data);
                    break;
                case TcpOptionKind.WindowScale when data.Length == 1:
                    windowScale = Math.Min(data[0], MaxWindowScale);
                    break;
                case TcpOptionKind.SackPermitted when data.Length == 0:
                    sackPermitted = true;
                    break;
                case TcpOptionKind.Timestamp when data.Length == 8:
                    timestamp = new TcpTimestamp(BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                    break;
                case TcpOptionKind.Sack when data.Length > 0 && data.Length % 8 == 0:
                    sackBlocks.Clear();
                    for (int i = 0; i + 8 <= data.Length; i += 8)
                    {
                        if (!sackBlocks.Add(new SackBlock(BinaryPrimitives.ReadUInt32BigEndian(data[i..]), BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]))))
                        {
                            break;
                        }
                    }
                    break;
                default:
                    break;
            }
        }
        info = new TcpOptionsInfo
        {
            Mss = mss,
            WindowScale = windowScale,
            SackPermitted = sackPermitted,
            Timestamp = timestamp,
            SackBlocks = sackBlocks,
        };
        return !reader.IsMalformed;
    }
}
