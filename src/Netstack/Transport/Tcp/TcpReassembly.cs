using Netstack.Buffers;

namespace Netstack.Transport.Tcp;

/// <summary>
/// Out-of-order segments held until the hole before them fills (RFC 9293 §3.10.7.4, "segment
/// text"), sorted by sequence number and bounded in count. It also remembers which range arrived
/// last, because RFC 2018 §4 wants the SACK block holding the most recent segment reported first.
/// Guarded by the endpoint lock.
/// </summary>
/// <remarks>
/// Charged like <see cref="TcpReceiveQueue"/>, by the blocks held (<see cref="TrueSize"/>). A segment that continues
/// the one held before it is appended to that one's block when it fits (Linux <c>tcp_ooo_try_coalesce</c>), and under
/// memory pressure the queue is pruned from the highest sequence down (<see cref="PruneAbove"/>, Linux
/// <c>tcp_prune_ofo_queue</c>): data nearest RCV.NXT is the most useful to keep.
/// </remarks>
internal sealed class TcpReassembly(TcpStatistics stats, int maxSegments = TcpReassembly.DefaultMaxSegments)
{
    public const int DefaultMaxSegments = 256;

    private readonly List<(SeqNumber Seq, PacketBuffer Payload)> _segments = [];
    private readonly int _maxSegments = maxSegments;
    private SeqNumber _lastLeft;
    private SeqNumber _lastRight;
    private long _trueSize;

    public int Count => _segments.Count;

    /// <summary>The bytes of the blocks held (what the queue costs in memory).</summary>
    public long TrueSize => _trueSize;

    public bool IsEmpty => _segments.Count == 0;

    /// <summary>
    /// Inserts a payload starting at <paramref name="seq"/> (beyond RCV.NXT); takes the reference.
    /// Returns false (and releases it) when every byte was already held — a duplicate worth a
    /// D-SACK — or when the list is full; <paramref name="merged"/> says it was appended to the
    /// segment before it (<see cref="TryAppendTo"/>).
    /// </summary>
    public bool Insert(SeqNumber seq, PacketBuffer payload, out bool duplicate, out bool merged)
    {
        duplicate = false;
        merged = false;
        SeqNumber end = seq + payload.Length;
        int index = 0;
        while (index < _segments.Count && _segments[index].Seq < seq)
        {
            index++;
        }
        // Fully covered by an earlier or equal-start neighbour?
        for (int i = Math.Max(0, index - 1); i < _segments.Count && _segments[i].Seq <= seq; i++)
        {
            if (_segments[i].Seq + _segments[i].Payload.Length >= end)
            {
                duplicate = true;
                _lastLeft = seq;
                _lastRight = end;
                payload.Release();
                return false;
            }
        }
        if (index > 0 && TryAppendTo(index - 1, seq, payload))
        {
            merged = true;
        }
        else if (_segments.Count >= _maxSegments)
        {
            payload.Release();
            return false;
        }
        else
        {
            _segments.Insert(index, (seq, payload));
            Charge(payload.Capacity);
        }
        _lastLeft = seq;
        _lastRight = end;
        return true;
    }

    /// <summary>
    /// Appends a small payload (a quarter of its block or less: copying it is cheap and frees the block) to the held
    /// segment at <paramref name="index"/> when it starts exactly where that one ends, fits in its block's tailroom, and
    /// the block is ours alone.
    /// </summary>
    private bool TryAppendTo(int index, SeqNumber seq, PacketBuffer payload)
    {
        PacketBuffer held = _segments[index].Payload;
        if (payload.Length * 4 > payload.Capacity || _segments[index].Seq + held.Length != seq || held.ReferenceCount != 1 || held.Tailroom < payload.Length)
        {
            return false;
        }
        payload.Span.CopyTo(held.Append(payload.Length));
        payload.Release();
        return true;
    }

    /// <summary>
    /// Drops held segments from the highest sequence down while they start after <paramref name="seq"/> (the incoming
    /// segment: what lies nearer RCV.NXT is kept, Linux <c>tcp_prune_ofo_queue</c>), until at least
    /// <paramref name="goal"/> block bytes are freed. Returns the bytes freed.
    /// </summary>
    public long PruneAbove(SeqNumber seq, long goal)
    {
        long freed = 0;
        while (freed < goal && _segments.Count > 0 && _segments[^1].Seq > seq)
        {
            PacketBuffer payload = _segments[^1].Payload;
            _segments.RemoveAt(_segments.Count - 1);
            freed += payload.Capacity;
            Charge(-payload.Capacity);
            payload.Release();
        }
        return freed;
    }

    /// <summary>
    /// Moves every held segment that now starts at or before <paramref name="rcvNxt"/> into the
    /// queue (trimming what was already received); returns the new RCV.NXT.
    /// </summary>
    public SeqNumber Drain(SeqNumber rcvNxt, TcpReceiveQueue queue)
    {
        while (_segments.Count > 0 && _segments[0].Seq <= rcvNxt)
        {
            (SeqNumber seq, PacketBuffer payload) = _segments[0];
            _segments.RemoveAt(0);
            Charge(-payload.Capacity); // the receive queue charges it again
            int already = rcvNxt - seq;
            if (already >= payload.Length)
            {
                payload.Release();
                continue;
            }
            payload.TrimFront(already);
            rcvNxt += payload.Length;
            queue.Enqueue(payload);
        }
        return rcvNxt;
    }

    /// <summary>
    /// Writes SACK blocks for the held data (RFC 2018 §4): the block holding the most recently
    /// received segment first, then the others in order. Returns the number written.
    /// </summary>
    public int GetSackBlocks(Span<SackBlock> blocks)
    {
        if (blocks.IsEmpty || _segments.Count == 0)
        {
            return 0;
        }
        int count = 0;
        int recentIndex = -1;
        SeqNumber left = _segments[0].Seq;
        SeqNumber right = left + _segments[0].Payload.Length;
        Span<SackBlock> all = stackalloc SackBlock[8];
        int allCount = 0;
        for (int i = 1; i <= _segments.Count; i++)
        {
            if (i < _segments.Count && _segments[i].Seq <= right)
            {
                SeqNumber end = _segments[i].Seq + _segments[i].Payload.Length;
                right = SeqNumber.Max(right, end);
                continue;
            }
            if (_lastLeft >= left && _lastLeft < right && recentIndex < 0)
            {
                blocks[count++] = new SackBlock(left, right);
                recentIndex = 0;
            }
            else if (allCount < all.Length)
            {
                all[allCount++] = new SackBlock(left, right);
            }
            if (i < _segments.Count)
            {
                left = _segments[i].Seq;
                right = left + _segments[i].Payload.Length;
            }
        }
        for (int i = 0; i < allCount && count < blocks.Length; i++)
        {
            blocks[count++] = all[i];
        }
        return count;
    }

    /// <summary>The last inserted (or duplicated) range, for D-SACK reporting.</summary>
    public SackBlock LastRange => new(_lastLeft, _lastRight);

    public void Clear()
    {
        foreach ((_, PacketBuffer payload) in _segments)
        {
            Charge(-payload.Capacity);
            payload.Release();
        }
        _segments.Clear();
    }

    private void Charge(long bytes)
    {
        _trueSize += bytes;
        Interlocked.Add(ref stats.ReceiveMemory, bytes);
    }
}
