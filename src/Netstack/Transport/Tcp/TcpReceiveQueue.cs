using Netstack.Buffers;

namespace Netstack.Transport.Tcp;

/// <summary>
/// In-order received data waiting for the application: the packet buffers themselves, trimmed to
/// their payload, so nothing is copied until the application reads. Guarded by the endpoint lock.
/// </summary>
internal sealed class TcpReceiveQueue
{
    private readonly Queue<PacketBuffer> _buffers = new();
    private long _bytes;

    public long Bytes => _bytes;

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
        _bytes += payload.Length;
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
                _buffers.Dequeue().Release();
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
            _buffers.Dequeue().Release();
        }
        _bytes = 0;
    }
}
