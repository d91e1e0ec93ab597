using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// Reads and writes the TCP options area (RFC 9293 §3.1, §3.2). As a reader it is an allocation-free
/// iterator (<c>foreach (TcpOption o in new TcpOptions(header.Options))</c>) that yields every option except
/// NOP, stops at End of Option List, skips unknown kinds by their length, and stops safely (setting
/// <see cref="IsMalformed"/>) on a length below 2 or past the end; it never throws. It does not judge the
/// length of known kinds: <see cref="TcpOptionsInfo.TryParse"/> does. As a writer, <see cref="Write"/> lays
/// options out as Linux does (tcp_options_write), padded with NOPs to a multiple of 4.
/// </summary>
public ref struct TcpOptions
{
    /// <summary>Total lengths (kind and length octets included) of the options with a fixed size.</summary>
    public const int MssLength = 4;
    /// <summary>Total length of the Window Scale option in bytes.</summary>
    public const int WindowScaleLength = 3;
    /// <summary>Total length of the SACK-Permitted option in bytes.</summary>
    public const int SackPermittedLength = 2;
    /// <summary>Total length of the Timestamps option in bytes.</summary>
    public const int TimestampLength = 10;

    private ReadOnlySpan<byte> _remaining;

    /// <summary>A reader positioned before the first option of <paramref name="options"/> (a header's options area).</summary>
    public TcpOptions(ReadOnlySpan<byte> options)
    {
        _remaining = options;
        Current = default;
        IsMalformed = false;
    }

    /// <summary>The option found by the last successful <see cref="MoveNext"/>.</summary>
    public TcpOption Current { get; private set; }

    /// <summary>Set when iteration stopped on an option whose length is below 2 or runs past the end of the area.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Returns this reader, so that it can be used in <see langword="foreach"/>.</summary>
    public readonly TcpOptions GetEnumerator() => this;

    /// <summary>Advances to the next option other than NOP.</summary>
    /// <returns><see langword="false"/> at End of Option List, at the end of the area, or on a malformed length (then <see cref="IsMalformed"/> is set).</returns>
    public bool MoveNext()
    {
        while (!_remaining.IsEmpty)
        {
            byte kind = _remaining[0];
            if (kind == TcpOptionKind.EndOfOptionList)
            {
                break;
            }
            if (kind == TcpOptionKind.NoOperation)
            {
                _remaining = _remaining[1..];
                continue;
            }
            int length = _remaining.Length >= 2 ? _remaining[1] : 0;
            if (length < 2 || length > _remaining.Length)
            {
                IsMalformed = true;
                break;
            }
            Current = new TcpOption(kind, _remaining[2..length]);
            _remaining = _remaining[length..];
            return true;
        }
        _remaining = default;
        return false;
    }

    /// <summary>The aligned length of a SACK option with <paramref name="blocks"/> blocks: NOP NOP kind len + 8 per block.</summary>
    public static int AlignedSackLength(int blocks) => blocks == 0 ? 0 : 4 + (8 * blocks);

    /// <summary>The number of bytes <see cref="Write"/> emits for <paramref name="options"/> (a multiple of 4, at most 40).</summary>
    public static int GetLength(in TcpOptionsInfo options)
    {
        int length = 0;
        if (options.Mss.HasValue)
        {
            length += 4;
        }
        if (options.Timestamp.HasValue)
        {
            length += 12; // SACK-Permitted rides in the timestamp's two leading NOPs when both are present
        }
        else if (options.SackPermitted)
        {
            length += 4;
        }
        if (options.WindowScale.HasValue)
        {
            length += 4;
        }
        int room = (TcpHeader.MaxOptionsLength - length - 4) / 8;
        int blocks = Math.Min(options.SackBlocks.Count, Math.Max(room, 0));
        return length + AlignedSackLength(blocks);
    }

    /// <summary>
    /// Writes <paramref name="options"/> in the Linux layout and returns the length (a multiple of 4):
    /// MSS; SACK-Permitted + Timestamps (or NOP NOP Timestamps, or NOP NOP SACK-Permitted); NOP Window Scale;
    /// NOP NOP SACK with as many blocks as fit in the 40-byte area (3 with timestamps, 4 without).
    /// So a SYN is MSS, SACK-Permitted, Timestamps, NOP, WS (20 bytes) and a data segment NOP NOP TS (12 bytes).
    /// </summary>
    public static int Write(Span<byte> destination, in TcpOptionsInfo options)
    {
        int n = 0;
        if (options.Mss is ushort mss)
        {
            destination[n] = TcpOptionKind.MaximumSegmentSize;
            destination[n + 1] = MssLength;
            BinaryPrimitives.WriteUInt16BigEndian(destination[(n + 2)..], mss);
            n += 4;
        }
        if (options.Timestamp is TcpTimestamp ts)
        {
            if (options.SackPermitted)
            {
                destination[n] = TcpOptionKind.SackPermitted;
                destination[n + 1] = SackPermittedLength;
            }
            else
            {
                destination[n] = TcpOptionKind.NoOperation;
                destination[n + 1] = TcpOptionKind.NoOperation;
            }
            destination[n + 2] = TcpOptionKind.Timestamp;
            destination[n + 3] = TimestampLength;
            BinaryPrimitives.WriteUInt32BigEndian(destination[(n + 4)..], ts.Value);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(n + 8)..], ts.EchoReply);
            n += 12;
        }
        else if (options.SackPermitted)
        {
            destination[n] = TcpOptionKind.NoOperation;
            destination[n + 1] = TcpOptionKind.NoOperation;
            destination[n + 2] = TcpOptionKind.SackPermitted;
            destination[n + 3] = SackPermittedLength;
            n += 4;
        }
        if (options.WindowScale is byte shift)
        {
            destination[n] = TcpOptionKind.NoOperation;
            destination[n + 1] = TcpOptionKind.WindowScale;
            destination[n + 2] = WindowScaleLength;
            destination[n + 3] = shift;
            n += 4;
        }
        int room = (TcpHeader.MaxOptionsLength - n - 4) / 8;
        int blocks = Math.Min(options.SackBlocks.Count, Math.Max(room, 0));
        if (blocks > 0)
        {
            destination[n] = TcpOptionKind.NoOperation;
            destination[n + 1] = TcpOptionKind.NoOperation;
            destination[n + 2] = TcpOptionKind.Sack;
            destination[n + 3] = (byte)(2 + (8 * blocks));
            n += 4;
            for (int i = 0; i < blocks; i++)
            {
                SackBlock block = options.SackBlocks[i];
                BinaryPrimitives.WriteUInt32BigEndian(destination[n..], block.Left);
                BinaryPrimitives.WriteUInt32BigEndian(destination[(n + 4)..], block.Right);
                n += 8;
            }
        }
        return n;
    }
}
