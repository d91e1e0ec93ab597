using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>
/// A bounded FIFO of packet references: a ring buffer that grows (doubling) while warming up and never
/// shrinks, so the steady state allocates nothing. Not thread-safe: the owner holds its lock around every call.
/// </summary>
internal sealed class PacketQueue
{
    private PacketBuffer?[] _ring;
    private int _head;
    private int _count;

    public PacketQueue(int limit, int initialCapacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _ring = new PacketBuffer?[Math.Clamp(initialCapacity, 1, limit)];
    }

    /// <summary>The most packets the queue holds.</summary>
    public int Limit { get; }

    public int Count => _count;

    /// <summary>Appends the packet (taking its reference), or returns false when the queue is at its limit.</summary>
    public bool TryEnqueue(PacketBuffer packet)
    {
        if (_count == _ring.Length)
        {
            if (_count >= Limit)
            {
                return false;
            }
            Grow();
        }
        _ring[(_head + _count) % _ring.Length] = packet;
        _count++;
        return true;
    }

    /// <summary>Moves up to <paramref name="max"/> packets from the front to the end of <paramref name="batch"/>; returns how many.</summary>
    public int DequeueTo(PacketBatch batch, int max)
    {
        int n = Math.Min(max, _count);
        for (int i = 0; i < n; i++)
        {
            batch.Add(_ring[_head]!);
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
        }
        _count -= n;
        if (_count == 0)
        {
            _head = 0;
        }
        return n;
    }

    /// <summary>Releases every queued packet and empties the queue.</summary>
    public void ReleaseAll()
    {
        while (_count > 0)
        {
            PacketBuffer packet = _ring[_head]!;
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
            _count--;
            packet.Release();
        }
        _head = 0;
    }

    private void Grow()
    {
        var bigger = new PacketBuffer?[Math.Min(Limit, _ring.Length * 2)];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _ring[(_head + i) % _ring.Length];
        }
        _ring = bigger;
        _head = 0;
    }
}
