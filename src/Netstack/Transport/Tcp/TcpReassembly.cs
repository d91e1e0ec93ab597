using Netstack.Buffers;

namespace Netstack.Transport.Tcp;

/// <summary>
/// Out-of-order segments held until the hole before them fills (RFC 9293 §3.10.7.4, "segment
/// text"), sorted by sequence number and bounded in count. It also remembers which range arrived
/// last, because RFC 2018 §4 wants the SACK block holding the most recent segment reported first.
/// Guarded by the endpoint lock.
/// </summary>
internal sealed class TcpReassembly
{
    public const int DefaultMaxSegments = 256;

    private readonly List<(SeqNumber Seq, PacketBuffer Payload)> _segments = [];
    private readonly int _maxSegments;
    private SeqNumber _lastLeft;
    private SeqNumber _lastRight;

    public TcpReassembly(int maxSegments = DefaultMaxSegments) => _maxSegments = maxSegments;

    public int Count => _segments.Count;

    public bool IsEmpty => _segments.Count == 0;

    /// <summary>
    /// Inserts a payload starting at <paramref name="seq"/> (beyond RCV.NXT); takes the reference.
    /// Returns false (and releases it) when every byte was already held — a duplicate worth a
    /// D-SACK — or when the list is full.
    /// </summary>
    public bool Insert(SeqNumber seq, PacketBuffer payload, out bool duplicate)
    {
        duplicate = false;
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
        if (_segments.Count >= _maxSegments)
        {
            payload.Release();
            return false;
        }
        _segments.Insert(index, (seq, payload));
        _lastLeft = seq;
        _lastRight = end;
        return true;
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
            payload.Release();
        }
        _segments.Clear();
    }
}
