using Netstack.Buffers;

namespace Netstack.Transport.Tcp;

/// <summary>
/// In-order received data waiting for the application: the packet buffers themselves, trimmed to
/// their payload, so nothing is copied until the application reads. Guarded by the endpoint lock.
/// </summary>
/// <remarks>
/// The queue is charged by the blocks it holds (<see cref="TrueSize"/>, Linux's <c>truesize</c>), not by the payload
/// bytes in them, and every charge is added to the stack's <see cref="TcpStatistics.ReceiveMemory"/> as it happens.
/// A small in-order segment is appended to the tail block when that block has room and nobody else holds it
/// (Linux <c>tcp_try_coalesce</c>), so a peer sending tiny segments fills blocks instead of pinning one each.
/// </remarks>
internal sealed class TcpReceiveQueue(TcpStatistics stats)
{
    private readonly Queue<PacketBuffer> _buffers = new();
    private PacketBuffer? _tail;
    private long _bytes;
    private long _trueSize;

    public long Bytes => _bytes;

    /// <summary>The bytes of the blocks held (what the queue costs in memory).</summary>
    public long TrueSize => _trueSize;

    public bool IsEmpty => _bytes == 0;

    /// <summary>Appends a buffer trimmed to its payload; the queue takes the reference.</summary>
    public void Enqueue(PacketBuffer payload)
    {
        if (payload.Length == 0)
        {
            payload.Release();
            return;
        }
        _buffers.Enqueue(payload);
        _tail = payload;
        _bytes += payload.Length;
        Charge(payload.Capacity);
    }

    /// <summary>
    /// Copies <paramref name="payload"/> onto the end of the last queued block when it fits in that block's tailroom and
    /// the queue holds the only reference (no relay has the block lent out); false when it cannot.
    /// </summary>
    public bool TryAppendToTail(ReadOnlySpan<byte> payload)
    {
        PacketBuffer? tail = _tail;
        if (tail is null || _buffers.Count == 0 || tail.ReferenceCount != 1 || tail.Tailroom < payload.Length)
        {
            return false;
        }
        payload.CopyTo(tail.Append(payload.Length));
        _bytes += payload.Length;
        return true;
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes out; returns the count.</summary>
    public int Read(Span<byte> destination)
    {
        int done = 0;
        foreach (PacketBuffer buffer in _buffers)
        {
            if (done == destination.Length)
            {
                break;
            }
            int n = Math.Min(buffer.Length, destination.Length - done);
            buffer.Span[..n].CopyTo(destination[done..]);
            done += n;
        }
        return Discard(done);
    }

    /// <summary>
    /// Lends the first <paramref name="maxBytes"/> queued bytes without copying: their segments are appended to
    /// <paramref name="segments"/>, and each buffer they lie in gets a reference appended to <paramref name="held"/>
    /// (the caller releases those). Returns the byte count.
    /// </summary>
    public int Gather(List<ArraySegment<byte>> segments, List<PacketBuffer> held, int maxBytes)
    {
        int done = 0;
        foreach (PacketBuffer buffer in _buffers)
        {
            if (done >= maxBytes)
            {
                break;
            }
            ArraySegment<byte> payload = buffer.Segment;
            int n = Math.Min(payload.Count, maxBytes - done);
            segments.Add(payload[..n]);
            held.Add(buffer.AddReference());
            done += n;
        }
        return done;
    }

    /// <summary>Drops up to <paramref name="count"/> bytes from the front (already consumed by other means); returns the count.</summary>
    public int Discard(int count)
    {
        int done = 0;
        while (done < count && _buffers.Count > 0)
        {
            PacketBuffer head = _buffers.Peek();
            int n = Math.Min(head.Length, count - done);
            done += n;
            if (n == head.Length)
            {
                ReleaseHead();
            }
            else
            {
                head.TrimFront(n);
            }
        }
        _bytes -= done;
        return done;
    }

    public void Clear()
    {
        while (_buffers.Count > 0)
        {
            ReleaseHead();
        }
        _bytes = 0;
    }

    private void ReleaseHead()
    {
        PacketBuffer head = _buffers.Dequeue();
        Charge(-head.Capacity);
        if (_buffers.Count == 0)
        {
            _tail = null;
        }
        head.Release();
    }

    private void Charge(long bytes)
    {
        _trueSize += bytes;
        Interlocked.Add(ref stats.ReceiveMemory, bytes);
    }
}
