namespace Netstack.Transport.Tcp;

/// <summary>
/// The sender's SACK scoreboard (RFC 6675 §3 and §4, with SACK blocks from RFC 2018 and D-SACK from
/// RFC 2883): the set of SACKed ranges above SND.UNA, kept as at most <see cref="Capacity"/> disjoint,
/// sorted, half-open ranges [start, end) that are merged on insert, so an ACK never allocates. It answers
/// RFC 6675's questions: <see cref="IsLost"/> (DupThresh = 3 discontiguous SACKed ranges, or more than
/// (DupThresh − 1)·SMSS SACKed bytes, above a sequence number), <see cref="Pipe"/> (SetPipe) and
/// NextSeg() rules 1 and 3 (<see cref="TryNextLostSegment"/>, <see cref="TryNextSegment"/>); rule 2,
/// sending new data, is the endpoint's. A D-SACK (RFC 2883 §4: the first block lies below the cumulative
/// ACK or inside the second block) is reported, not recorded. Blocks outside (SND.UNA, SND.NXT] are
/// ignored as RFC 2018 §8 / RFC 5961 suggest. When the ranges do not fit, the highest is forgotten: that
/// costs at most a needless retransmission, never a wrong one. Sequence-number arguments follow the
/// convention of the sequence variables: <c>highRxt</c> is one past the highest retransmitted octet
/// (pass SND.UNA when nothing was retransmitted in this recovery).
/// </summary>
internal sealed class SackScoreboard
{
    /// <summary>RFC 6675 §2: DupThresh.</summary>
    public const int DupThresh = 3;

    private readonly int _capacity;
    private Range[] _ranges = []; // allocated at the first SACK block: a connection that never sees one holds no array
    private int _count;
    private uint _sackedBytes;
    private SeqNumber _sndUna;

    /// <summary>Creates a scoreboard holding at most <paramref name="capacity"/> disjoint ranges.</summary>
    public SackScoreboard(int capacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The maximum number of disjoint ranges kept.</summary>
    public int Capacity => _capacity;

    /// <summary>The number of disjoint SACKed ranges above SND.UNA.</summary>
    public int Count => _count;

    /// <summary>The <paramref name="index"/>-th SACKed range in sequence order, as [Start, End).</summary>
    public (SeqNumber Start, SeqNumber End) this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            return (_ranges[index].Start, _ranges[index].End);
        }
    }

    /// <summary>Total SACKed bytes above SND.UNA.</summary>
    public uint SackedBytes => _sackedBytes;

    /// <summary>One past the highest SACKed octet, or SND.UNA (as of the last ACK) when nothing is SACKed.</summary>
    public SeqNumber HighestSacked => _count > 0 ? _ranges[_count - 1].End : _sndUna;

    /// <summary>True when the last <see cref="OnAck"/> carried a D-SACK block (RFC 2883).</summary>
    public bool LastAckWasDsack { get; private set; }

    /// <summary>The last D-SACK block seen, as [Start, End).</summary>
    public (SeqNumber Start, SeqNumber End) LastDsack { get; private set; }

    /// <summary>How many times a range had to be forgotten because the scoreboard was full.</summary>
    public long Overflows { get; private set; }

    private SeqNumber _lostBelow;
    private bool _hasLostBelow;

    /// <summary>
    /// RACK (RFC 8985 §6.2) declared every un-SACKed octet below <paramref name="end"/> lost: from now on
    /// <see cref="Pipe"/> leaves them out and <see cref="TryNextLostSegment"/> offers them, as RFC 6675
    /// IsLost() does for octets with DupThresh SACKs above. Forgotten once SND.UNA passes it.
    /// </summary>
    public void MarkLostBelow(SeqNumber end)
    {
        if (!_hasLostBelow || end > _lostBelow)
        {
            _lostBelow = end;
            _hasLostBelow = true;
        }
    }

    /// <summary>Octets of a hole starting at <paramref name="cursor"/> and ending at <paramref name="holeEnd"/> that RACK marked lost.</summary>
    private uint RackLostBytes(SeqNumber cursor, SeqNumber holeEnd) =>
        _hasLostBelow && cursor < _lostBelow ? SeqNumber.Min(holeEnd, _lostBelow).BytesFrom(cursor) : 0;

    /// <summary>
    /// Processes the SACK blocks of one ACK (as they appear in the option: Left edge, Right edge exclusive).
    /// Ranges at or below <paramref name="sndUna"/> are dropped. Returns true when the ACK carried a D-SACK.
    /// </summary>
    public bool OnAck(SeqNumber sndUna, SeqNumber sndNxt, ReadOnlySpan<(uint Left, uint Right)> blocks)
    {
        _sndUna = sndUna;
        DropBelow(sndUna);
        if (_hasLostBelow && sndUna >= _lostBelow)
        {
            _hasLostBelow = false;
        }
        LastAckWasDsack = false;
        int first = 0;
        if (blocks.Length > 0)
        {
            var d = new Range(new SeqNumber(blocks[0].Left), new SeqNumber(blocks[0].Right));
            bool dsack = d.Start < d.End &&
                (d.Start < sndUna ||
                 (blocks.Length > 1 && new SeqNumber(blocks[1].Left) <= d.Start && d.End <= new SeqNumber(blocks[1].Right)));
            if (dsack)
            {
                LastAckWasDsack = true;
                LastDsack = (d.Start, d.End);
                first = 1;
            }
        }
        for (int i = first; i < blocks.Length; i++)
        {
            var start = new SeqNumber(blocks[i].Left);
            var end = new SeqNumber(blocks[i].Right);
            if (!(start < end) || !(end > sndUna) || end > sndNxt)
            {
                continue;
            }
            Insert(SeqNumber.Max(start, sndUna), end);
        }
        return LastAckWasDsack;
    }

    /// <summary>True when <paramref name="seq"/> lies in a SACKed range.</summary>
    public bool IsSacked(SeqNumber seq)
    {
        for (int i = 0; i < _count; i++)
        {
            if (seq < _ranges[i].Start)
            {
                return false;
            }
            if (seq < _ranges[i].End)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when some octet of [<paramref name="start"/>, <paramref name="end"/>) lies in a SACKed range.</summary>
    public bool AnySacked(SeqNumber start, SeqNumber end)
    {
        for (int i = 0; i < _count; i++)
        {
            if (end <= _ranges[i].Start)
            {
                return false;
            }
            if (start < _ranges[i].End)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when every octet of [<paramref name="start"/>, <paramref name="end"/>) lies in one SACKed range.</summary>
    public bool AllSacked(SeqNumber start, SeqNumber end)
    {
        for (int i = 0; i < _count; i++)
        {
            if (start < _ranges[i].Start)
            {
                return false;
            }
            if (start < _ranges[i].End)
            {
                return end <= _ranges[i].End;
            }
        }
        return false;
    }

    /// <summary>
    /// RFC 6675 §4 IsLost(SeqNum): true when DupThresh discontiguous SACKed ranges, or more than
    /// (DupThresh − 1)·<paramref name="mss"/> SACKed bytes, lie above <paramref name="seq"/>.
    /// </summary>
    public bool IsLost(SeqNumber seq, uint mss)
    {
        int ranges = 0;
        ulong bytes = 0;
        SeqNumber above = seq + 1;
        for (int i = _count - 1; i >= 0; i--)
        {
            Range r = _ranges[i];
            if (r.End <= above)
            {
                break;
            }
            ranges++;
            bytes += r.End.BytesFrom(SeqNumber.Max(r.Start, above));
            if (ranges >= DupThresh || bytes > (ulong)(DupThresh - 1) * mss)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Octets in [SND.UNA, SND.NXT) deemed lost: un-SACKed octets below a hole that RFC 6675 §4 IsLost() or RACK
    /// (<see cref="MarkLostBelow"/>) condemns, whether or not they were retransmitted since (Linux's lost_out).
    /// </summary>
    public uint LostBytes(SeqNumber sndUna, SeqNumber sndNxt, uint mss)
    {
        ulong lostBytes = 0;
        ulong bytesAbove = _sackedBytes;
        SeqNumber cursor = sndUna;
        ulong lostLimit = (ulong)(DupThresh - 1) * mss;
        for (int i = 0; i < _count; i++)
        {
            SeqNumber holeEnd = SeqNumber.Min(_ranges[i].Start, sndNxt);
            if (holeEnd > cursor)
            {
                bool lost = _count - i >= DupThresh || bytesAbove > lostLimit;
                lostBytes += lost ? holeEnd.BytesFrom(cursor) : RackLostBytes(cursor, holeEnd);
            }
            bytesAbove -= _ranges[i].Length;
            cursor = SeqNumber.Max(cursor, _ranges[i].End);
        }
        return (uint)Math.Min(lostBytes, uint.MaxValue);
    }

    /// <summary>
    /// RFC 6675 §4 SetPipe: every octet in [SND.UNA, SND.NXT) that is not SACKed counts once unless it is
    /// deemed lost, and once more if it was retransmitted (below <paramref name="highRxt"/>).
    /// </summary>
    public uint Pipe(SeqNumber sndUna, SeqNumber sndNxt, SeqNumber highRxt, uint mss)
    {
        ulong pipe = 0;
        ulong bytesAbove = _sackedBytes;
        SeqNumber cursor = sndUna;
        ulong lostLimit = (ulong)(DupThresh - 1) * mss;
        for (int i = 0; i <= _count; i++)
        {
            SeqNumber holeEnd = i < _count ? SeqNumber.Min(_ranges[i].Start, sndNxt) : sndNxt;
            if (holeEnd > cursor)
            {
                // Every octet of a hole sees the same SACKed ranges above it, so IsLost is constant over it.
                bool lost = _count - i >= DupThresh || bytesAbove > lostLimit;
                if (!lost)
                {
                    pipe += holeEnd.BytesFrom(cursor) - RackLostBytes(cursor, holeEnd);
                }
                SeqNumber rxtEnd = SeqNumber.Min(highRxt, holeEnd);
                if (rxtEnd > cursor)
                {
                    pipe += rxtEnd.BytesFrom(cursor);
                }
            }
            if (i < _count)
            {
                bytesAbove -= _ranges[i].Length;
                cursor = SeqNumber.Max(cursor, _ranges[i].End);
            }
        }
        return (uint)Math.Min(pipe, uint.MaxValue);
    }

    /// <summary>
    /// RFC 6675 §4 NextSeg() rule 1: the first unSACKed, lost octet at or above <paramref name="highRxt"/>
    /// and below the highest SACKed octet; <paramref name="length"/> is at most one MSS and stops at the
    /// next SACKed range.
    /// </summary>
    public bool TryNextLostSegment(SeqNumber sndUna, SeqNumber sndNxt, SeqNumber highRxt, uint mss, out SeqNumber seq, out uint length) =>
        TryFindHole(sndUna, sndNxt, highRxt, mss, requireLost: true, mss, out seq, out length);

    /// <summary>
    /// As <see cref="TryNextLostSegment"/>, but <paramref name="length"/> is the whole lost run from <paramref name="seq"/>
    /// (up to the next SACKed range, or the end of what RACK marked lost), for a sender that resends in larger units.
    /// </summary>
    public bool TryNextLostRun(SeqNumber sndUna, SeqNumber sndNxt, SeqNumber highRxt, uint mss, out SeqNumber seq, out uint length) =>
        TryFindHole(sndUna, sndNxt, highRxt, mss, requireLost: true, uint.MaxValue, out seq, out length);

    /// <summary>
    /// RFC 6675 §4 NextSeg() rules 1 and 3: a lost segment if there is one (rule 1), otherwise the first
    /// unSACKed octet at or above <paramref name="highRxt"/> below the highest SACKed octet (rule 3). Rule 3
    /// applies only when rule 2 (new data) cannot send, so an endpoint with new data to send calls
    /// <see cref="TryNextLostSegment"/>, then tries new data, then this.
    /// </summary>
    public bool TryNextSegment(SeqNumber sndUna, SeqNumber sndNxt, SeqNumber highRxt, uint mss, out SeqNumber seq, out uint length) =>
        TryFindHole(sndUna, sndNxt, highRxt, mss, requireLost: true, mss, out seq, out length) ||
        TryFindHole(sndUna, sndNxt, highRxt, mss, requireLost: false, mss, out seq, out length);

    /// <summary>Forgets every range (on RTO, RFC 6675 §5.1 allows keeping them; RFC 2018 §8 requires tolerating reneging).</summary>
    public void Clear()
    {
        _count = 0;
        _sackedBytes = 0;
        _hasLostBelow = false;
        LastAckWasDsack = false;
    }

    private bool TryFindHole(SeqNumber sndUna, SeqNumber sndNxt, SeqNumber highRxt, uint mss, bool requireLost, uint maxLength, out SeqNumber seq,
        out uint length)
    {
        ulong bytesAbove = _sackedBytes;
        ulong lostLimit = (ulong)(DupThresh - 1) * mss;
        SeqNumber cursor = SeqNumber.Max(sndUna, highRxt);
        // Only holes below a SACKed range qualify (rules 1.b and 3.b), so the tail above the last range never does.
        for (int i = 0; i < _count; i++)
        {
            SeqNumber holeEnd = SeqNumber.Min(_ranges[i].Start, sndNxt);
            if (holeEnd > cursor)
            {
                bool lost = _count - i >= DupThresh || bytesAbove > lostLimit;
                uint rackLost = lost ? 0 : RackLostBytes(cursor, holeEnd);
                if (requireLost && !lost && rackLost == 0)
                {
                    break; // IsLost (and RACK's lost prefix) only weaken going up: no later hole is lost either.
                }
                seq = cursor;
                length = Math.Min(maxLength, requireLost && !lost ? rackLost : holeEnd.BytesFrom(cursor));
                return true;
            }
            bytesAbove -= _ranges[i].Length;
            cursor = SeqNumber.Max(cursor, _ranges[i].End);
        }
        seq = default;
        length = 0;
        return false;
    }

    private void DropBelow(SeqNumber sndUna)
    {
        int drop = 0;
        while (drop < _count && _ranges[drop].End <= sndUna)
        {
            _sackedBytes -= _ranges[drop].Length;
            drop++;
        }
        if (drop > 0)
        {
            Array.Copy(_ranges, drop, _ranges, 0, _count - drop);
            _count -= drop;
        }
        if (_count > 0 && _ranges[0].Start < sndUna)
        {
            _sackedBytes -= sndUna.BytesFrom(_ranges[0].Start);
            _ranges[0] = new Range(sndUna, _ranges[0].End);
        }
    }

    private void Insert(SeqNumber start, SeqNumber end)
    {
        // First range that touches or follows the new one, and first range strictly after it.
        int lo = 0;
        while (lo < _count && _ranges[lo].End < start)
        {
            lo++;
        }
        int hi = lo;
        while (hi < _count && _ranges[hi].Start <= end)
        {
            hi++;
        }
        if (lo == hi)
        {
            if (_ranges.Length == 0)
            {
                _ranges = new Range[_capacity];
            }
            if (_count == _ranges.Length)
            {
                Overflows++;
                if (lo == _count)
                {
                    return; // the new range would be the highest: forget it
                }
                _count--;
                _sackedBytes -= _ranges[_count].Length;
            }
            Array.Copy(_ranges, lo, _ranges, lo + 1, _count - lo);
            _ranges[lo] = new Range(start, end);
            _count++;
            _sackedBytes += end.BytesFrom(start);
            return;
        }
        var merged = new Range(SeqNumber.Min(start, _ranges[lo].Start), SeqNumber.Max(end, _ranges[hi - 1].End));
        for (int i = lo; i < hi; i++)
        {
            _sackedBytes -= _ranges[i].Length;
        }
        _ranges[lo] = merged;
        _sackedBytes += merged.Length;
        int removed = hi - lo - 1;
        if (removed > 0)
        {
            Array.Copy(_ranges, hi, _ranges, lo + 1, _count - hi);
            _count -= removed;
        }
    }

    private readonly record struct Range(SeqNumber Start, SeqNumber End)
    {
        public uint Length => End.BytesFrom(Start);
    }
}
