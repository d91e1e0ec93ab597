using Netstack.Buffers;
using Netstack.Stack;

namespace Netstack.Network;

/// <summary>
/// One datagram being reassembled: its data buffer, the byte ranges received (kept per fragment, unmerged, so
/// that an exact duplicate can be told from an overlap), the first fragment's header, and its timeout entry.
/// Pooled by the <see cref="Reassembler"/>; guarded by its lock.
/// </summary>
internal sealed class ReassemblyQueue
{
    internal enum InsertResult
    {
        Added,
        Duplicate,
        Overlap,
        TooMany,
    }

    private int[] _starts = new int[8];
    private int[] _ends = new int[8];
    private int _count;

    public ReassemblyQueue(Reassembler owner)
    {
        Timer = new TimerEntry(static s => ((ReassemblyQueue)s!).Owner.OnTimer((ReassemblyQueue)s!), this);
        Owner = owner;
    }

    public Reassembler Owner { get; }

    public TimerEntry Timer { get; }

    public ReassemblyKey Key;
    public PacketBuffer? Buffer;
    public int TotalLength = -1;
    public int HighestEnd;
    public int ReceivedBytes;
    public int Charge;
    public readonly byte[] FirstHeader = new byte[64];
    public int FirstHeaderLength;
    public int FirstInterfaceId;
    public ReassemblyQueue? Older;
    public ReassemblyQueue? Newer;

    /// <summary>The first fragment's data (for quoting in a time exceeded message), valid while the buffer is held.</summary>
    public ReadOnlySpan<byte> FirstData(int max)
    {
        if (Buffer is null || _count == 0)
        {
            return default;
        }
        int firstEnd = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_starts[i] == 0)
            {
                firstEnd = _ends[i];
            }
        }
        return Buffer.Span.Slice(64, Math.Min(max, firstEnd));
    }

    public InsertResult Insert(int start, int end)
    {
        for (int i = 0; i < _count; i++)
        {
            if (start < _ends[i] && _starts[i] < end)
            {
                return start == _starts[i] && end == _ends[i] ? InsertResult.Duplicate : InsertResult.Overlap;
            }
        }
        if (_count == Reassembler.MaxFragments)
        {
            return InsertResult.TooMany;
        }
        if (_count == _starts.Length)
        {
            Array.Resize(ref _starts, _count * 2);
            Array.Resize(ref _ends, _count * 2);
        }
        _starts[_count] = start;
        _ends[_count] = end;
        _count++;
        ReceivedBytes += end - start;
        HighestEnd = Math.Max(HighestEnd, end);
        return InsertResult.Added;
    }

    public void Reset()
    {
        Buffer?.Release();
        Buffer = null;
        Key = default;
        TotalLength = -1;
        HighestEnd = 0;
        ReceivedBytes = 0;
        Charge = 0;
        FirstHeaderLength = 0;
        FirstInterfaceId = 0;
        _count = 0;
    }
}
