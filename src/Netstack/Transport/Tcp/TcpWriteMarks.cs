namespace Netstack.Transport.Tcp;

/// <summary>
/// Where the application's writes ended, in sequence space, for the bytes still in the send queue: the segment that
/// carries the end of a write gets PSH (RFC 1122 §4.2.2.2: an implicit push at the end of each SEND call, as Linux's
/// tcp_push marks the buffer a write ended in), and the end of a record (a write with
/// <see cref="TcpWriteFlags.EndOfRecord"/>, Linux MSG_EOR) is a boundary no segment crosses, new or retransmitted.
/// </summary>
/// <remarks>
/// A ring of marks in sequence order, dropped from the head as ACKs free the bytes; it grows (doubling) only while more
/// writes are outstanding than ever before, so steady traffic allocates nothing. A write that appends to data not yet
/// sent takes over the push mark of the write before it (Linux clears PSH on the tail buffer a write appends to), so a
/// stream of small writes waiting behind Nagle or the window holds one mark, not one per write. Lookups are a binary
/// search: a segment costs O(log marks).
/// </remarks>
internal sealed class TcpWriteMarks
{
    private Mark[] _marks = [];
    private int _first;
    private int _count;

    /// <summary>Marks held (for tests and diagnostics).</summary>
    internal int Count => _count;

    /// <summary>
    /// A write appended bytes up to <paramref name="end"/>. An unsent plain mark at the tail (its end after
    /// <paramref name="sndMax"/>) is taken over; the new end is marked when the write asked for a push (it did not pass
    /// <see cref="TcpWriteFlags.More"/>) or ended a record.
    /// </summary>
    internal void OnWrite(SeqNumber end, bool push, bool record, SeqNumber sndMax)
    {
        if (_count > 0)
        {
            ref Mark last = ref At(_count - 1);
            if (!last.Record && last.End > sndMax)
            {
                _count--;
            }
        }
        if (push || record)
        {
            if (_count == _marks.Length)
            {
                Grow();
            }
            At(_count) = new Mark(end, push, record);
            _count++;
        }
    }

    /// <summary>SND.UNA reached <paramref name="una"/>: marks at or below it are done.</summary>
    internal void Acknowledge(SeqNumber una)
    {
        while (_count > 0 && _marks[_first].End <= una)
        {
            _first = (_first + 1) % _marks.Length;
            _count--;
        }
    }

    /// <summary>Forgets every mark (the connection is over).</summary>
    internal void Clear()
    {
        _first = 0;
        _count = 0;
    }

    /// <summary>
    /// Bytes from <paramref name="seq"/> a segment may carry, at most <paramref name="length"/>: cut at the first record
    /// end after <paramref name="seq"/> (<paramref name="recordEnds"/> says the cut happened).
    /// </summary>
    internal long Clip(SeqNumber seq, long length, out bool recordEnds)
    {
        recordEnds = false;
        for (int i = FirstAfter(seq); i < _count; i++)
        {
            ref Mark m = ref At(i);
            long distance = m.End - seq;
            if (distance >= length)
            {
                break;
            }
            if (m.Record)
            {
                recordEnds = true;
                return distance;
            }
        }
        return length;
    }

    /// <summary>Whether a write that asked for a push ended inside (<paramref name="seq"/>, <paramref name="seq"/> + <paramref name="length"/>].</summary>
    internal bool Pushes(SeqNumber seq, int length)
    {
        SeqNumber end = seq + length;
        for (int i = FirstAfter(seq); i < _count; i++)
        {
            ref Mark m = ref At(i);
            if (m.End > end)
            {
                return false;
            }
            if (m.Push)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Index (from the head) of the first mark ending after <paramref name="seq"/>, or the count.</summary>
    private int FirstAfter(SeqNumber seq)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (At(mid).End <= seq)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    private ref Mark At(int index) => ref _marks[(_first + index) % _marks.Length];

    private void Grow()
    {
        var grown = new Mark[Math.Max(8, _marks.Length * 2)];
        for (int i = 0; i < _count; i++)
        {
            grown[i] = At(i);
        }
        _marks = grown;
        _first = 0;
    }

    private readonly record struct Mark(SeqNumber End, bool Push, bool Record);
}
