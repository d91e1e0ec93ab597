namespace Netstack.Transport.Tcp;

/// <summary>
/// The transmit-time list RACK needs (RFC 8985 §6.1 "per-segment state": xmit_ts, end_seq, retransmitted,
/// lost), kept as one record per sent range in send order: a ring that only grows (doubling) when a
/// flight outgrows it, so steady state allocates nothing. A retransmission appends a new record rather
/// than moving the old one (§6.2 keeps segments sorted by transmit time); the old record is marked lost
/// or is delivered and never judged again. The ring is allocated with the first record.
/// </summary>
internal sealed class RackSentLog
{
    internal struct Record
    {
        public SeqNumber Start;
        public SeqNumber End;
        public TimeSpan XmitTime;
        public bool Retransmitted;
        public bool Resent; // a later record retransmitted (part of) this range
        public bool Delivered;
        public bool Lost;
    }

    private readonly int _initialCapacity;
    private Record[] _records = []; // allocated at the first send: a connection that never sends data holds no ring
    private int _head;
    private int _count;

    /// <summary>A log whose ring starts at <paramref name="capacity"/> records (a power of two) when the first segment is sent.</summary>
    public RackSentLog(int capacity = 8)
    {
        if (capacity < 1 || !System.Numerics.BitOperations.IsPow2(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The ring's capacity is a power of two.");
        }
        _initialCapacity = capacity;
    }

    public int Count => _count;

    /// <summary>The <paramref name="index"/>-th record in send order (0 is the oldest).</summary>
    public ref Record this[int index] => ref _records[(_head + index) & (_records.Length - 1)];

    /// <summary>Records that [start, end) was sent at <paramref name="xmitTime"/>.</summary>
    public void Add(SeqNumber start, SeqNumber end, TimeSpan xmitTime, bool retransmitted)
    {
        GrowIfFull();
        ref Record r = ref _records[(_head + _count) & (_records.Length - 1)];
        r = new Record { Start = start, End = end, XmitTime = xmitTime, Retransmitted = retransmitted };
        _count++;
    }

    /// <summary>
    /// Splits the <paramref name="index"/>-th record at <paramref name="at"/> (inside it) into two records with the
    /// same transmit time and flags, so a TSO super-segment the peer SACKed in part is judged piece by piece, as
    /// RFC 8985 §6.1 keeps state per segment (Linux splits the skb on a partial SACK). Send order is kept: pieces
    /// sent at the same time are ordered by sequence (§6.2 RACK_sent_after).
    /// </summary>
    public void Split(int index, SeqNumber at)
    {
        GrowIfFull();
        for (int i = _count; i > index + 1; i--)
        {
            this[i] = this[i - 1];
        }
        _count++;
        ref Record first = ref this[index];
        ref Record second = ref this[index + 1];
        second = first;
        second.Start = at;
        first.End = at;
    }

    private void GrowIfFull()
    {
        if (_count == _records.Length)
        {
            var grown = new Record[Math.Max(_initialCapacity, _records.Length * 2)];
            for (int i = 0; i < _count; i++)
            {
                grown[i] = this[i];
            }
            _records = grown;
            _head = 0;
        }
    }

    /// <summary>
    /// [<paramref name="start"/>, <paramref name="end"/>) was just retransmitted: marks the first transmissions it overlaps
    /// as resent, splitting a record the retransmission covers in part (as Linux fragments the skb it retransmits). First
    /// transmissions are kept in sequence order, so the walk ends at the first one past <paramref name="end"/>.
    /// </summary>
    public void MarkResent(SeqNumber start, SeqNumber end)
    {
        for (int i = 0; i < _count; i++)
        {
            Record r = this[i];
            if (r.Retransmitted || r.End <= start)
            {
                continue;
            }
            if (r.Start >= end)
            {
                return;
            }
            if (r.Start < start)
            {
                Split(i, start); // the part before the retransmission stays as it was; mark the rest next
                continue;
            }
            if (r.End > end)
            {
                Split(i, end);
            }
            this[i].Resent = true;
        }
    }

    /// <summary>Drops the oldest record.</summary>
    public void RemoveOldest()
    {
        _head = (_head + 1) & (_records.Length - 1);
        _count--;
    }

    public void Clear()
    {
        _head = 0;
        _count = 0;
    }
}
