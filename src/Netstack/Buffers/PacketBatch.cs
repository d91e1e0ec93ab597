namespace Netstack.Buffers;

/// <summary>
/// An ordered group of packets moved through one call (a link read, a link write, GRO, GSO), so that the
/// per-call costs — a system call, a lock, an ACK decision — are paid once per batch rather than per packet.
/// </summary>
/// <remarks>
/// A batch holds references: adding a packet hands its reference to the batch, and whoever consumes the
/// batch (a link writing it, a dispatcher delivering it) releases each packet and then clears the batch.
/// The batch object itself is reused; it grows only while warming up.
/// </remarks>
public sealed class PacketBatch
{
    /// <summary>The batch size links and dispatchers aim for.</summary>
    public const int DefaultCapacity = 64;

    private PacketBuffer[] _items;
    private int _count;

    /// <summary>An empty batch with room for <paramref name="capacity"/> packets (at least 1) before it grows.</summary>
    public PacketBatch(int capacity = DefaultCapacity)
    {
        _items = new PacketBuffer[Math.Max(1, capacity)];
    }

    /// <summary>The number of packets in the batch.</summary>
    public int Count => _count;

    /// <summary>Whether the batch holds no packets.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The packet at <paramref name="index"/>; setting replaces the reference without releasing the old one.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Count"/>.</exception>
    public PacketBuffer this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }
            return _items[index];
        }
        set
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }
            _items[index] = value;
        }
    }

    /// <summary>The packets as a span (valid until the batch changes).</summary>
    public ReadOnlySpan<PacketBuffer> AsSpan() => _items.AsSpan(0, _count);

    /// <summary>Adds a packet, handing its reference to the batch.</summary>
    public void Add(PacketBuffer packet)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        _items[_count++] = packet;
    }

    /// <summary>Forgets the packets without releasing them (their references moved elsewhere).</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    /// <summary>Keeps the first <paramref name="count"/> packets and forgets the rest without releasing them (their references moved elsewhere), e.g. after compacting the batch in place.</summary>
    public void Truncate(int count)
    {
        if ((uint)count > (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        Array.Clear(_items, count, _count - count);
        _count = count;
    }

    /// <summary>Releases every packet and empties the batch.</summary>
    public void ReleaseAll()
    {
        for (int i = 0; i < _count; i++)
        {
            _items[i].Release();
        }
        Clear();
    }

    /// <summary>Moves all packets from this batch to the end of <paramref name="destination"/>.</summary>
    public void MoveTo(PacketBatch destination)
    {
        for (int i = 0; i < _count; i++)
        {
            destination.Add(_items[i]);
        }
        Clear();
    }
}
