using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>
/// Packets waiting for their due time: a binary min-heap ordered by (due, arrival), so packets due at the same
/// moment leave in the order they came. Grows while warming up and never shrinks. Not thread-safe.
/// </summary>
internal sealed class DelayQueue
{
    private Entry[] _heap = new Entry[64];
    private int _count;
    private long _sequence;

    public int Count => _count;

    /// <summary>The earliest due time; only valid when <see cref="Count"/> &gt; 0.</summary>
    public long NextDueTicks => _heap[0].DueTicks;

    public void Enqueue(PacketBuffer packet, long dueTicks)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }
        var entry = new Entry(dueTicks, _sequence++, packet);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Before(entry, _heap[parent]))
            {
                break;
            }
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    /// <summary>Moves every packet due at or before <paramref name="nowTicks"/> to <paramref name="batch"/>, earliest first.</summary>
    public void DequeueDue(long nowTicks, PacketBatch batch)
    {
        while (_count > 0 && _heap[0].DueTicks <= nowTicks)
        {
            batch.Add(_heap[0].Packet);
            RemoveFirst();
        }
    }

    /// <summary>Releases every waiting packet; returns how many there were.</summary>
    public int ReleaseAll()
    {
        int n = _count;
        for (int i = 0; i < _count; i++)
        {
            _heap[i].Packet.Release();
            _heap[i] = default;
        }
        _count = 0;
        return n;
    }

    private void RemoveFirst()
    {
        Entry last = _heap[--_count];
        _heap[_count] = default;
        if (_count == 0)
        {
            return;
        }
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count)
            {
                break;
            }
            if (child + 1 < _count && Before(_heap[child + 1], _heap[child]))
            {
                child++;
            }
            if (!Before(_heap[child], last))
            {
                break;
            }
            _heap[i] = _heap[child];
            i = child;
        }
        _heap[i] = last;
    }

    private static bool Before(in Entry a, in Entry b) =>
        a.DueTicks < b.DueTicks || (a.DueTicks == b.DueTicks && a.Sequence < b.Sequence);

    private readonly record struct Entry(long DueTicks, long Sequence, PacketBuffer Packet);
}
