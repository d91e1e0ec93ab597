using Netstack.Buffers;
using Netstack.Offload;

namespace Netstack.Stack;

/// <summary>
/// One connection's outbound packets, written to the link in exactly the order the connection produced them.
/// </summary>
/// <remarks>
/// A connection produces segments under its lock but must not write to a link while holding it (a link may
/// deliver inline, and the reply would need the same lock). Writing after the lock is released lets two threads
/// — an application writing and a dispatcher processing an ACK — overtake each other, and the peer would see
/// reordering and answer with duplicate ACKs and spurious retransmissions. So the segments are queued under the
/// lock and written by one flusher at a time: a thread that finds another flushing leaves its packets to it,
/// and the flusher looks again before it leaves. Linux gets the same order by transmitting under the socket
/// lock and parking softirq input on the socket backlog while a task owns it (<c>release_sock</c>).
/// </remarks>
internal sealed class TransmitQueue(IOrderedPacketWriter writer, OffloadStatistics? statistics = null)
{
    // Small at first, as most connections queue a segment or two per flush (and an idle one none): a batch grows
    // by doubling while a busy connection warms up, then stays at its size.
    private const int InitialCapacity = 4;

    private readonly Lock _lock = new(); // guards _pending; held for an append or a swap only
    private PacketBatch _pending = new(InitialCapacity);
    private PacketBatch _writing = new(InitialCapacity);
    private int _flusher; // managed thread id of the thread writing, 0 when none

    /// <summary>
    /// Appends a packet whose <see cref="PacketBuffer.InterfaceId"/> is set; takes the reference. A pure cumulative ACK
    /// queued right behind another one replaces it: a dispatcher's inbound batch of N in-order segments then writes one
    /// ACK, not N/2 (one system call, one pass through the peer's ACK processing), as a receiver acknowledging a GRO
    /// super-packet does. Duplicate ACKs (out-of-order data, SACK or D-SACK blocks) and ECN marks are never replaced.
    /// </summary>
    public void Add(PacketBuffer packet)
    {
        lock (_lock)
        {
            int last = _pending.Count - 1;
            if (packet.IsReplaceableAck && last >= 0 && _pending[last] is { IsReplaceableAck: true } earlier && earlier.InterfaceId == packet.InterfaceId)
            {
                _pending[last] = packet;
                earlier.Release();
                if (statistics is not null)
                {
                    Interlocked.Increment(ref statistics.AcksReplaced);
                }
                return;
            }
            _pending.Add(packet);
        }
    }


    /// <summary>Writes everything queued, unless another thread is writing (it will) or this thread already is (its outer loop will).</summary>
    public void Flush()
    {
        int self = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _flusher) == self)
        {
            return;
        }
        while (Interlocked.CompareExchange(ref _flusher, self, 0) == 0)
        {
            try
            {
                while (TakePending())
                {
                    writer.WriteInOrder(_writing);
                }
            }
            finally
            {
                Volatile.Write(ref _flusher, 0);
            }
            lock (_lock)
            {
                if (_pending.IsEmpty)
                {
                    return; // a packet added after this look is flushed by the thread that added it
                }
            }
        }
    }

    private bool TakePending()
    {
        lock (_lock)
        {
            if (_pending.IsEmpty)
            {
                return false;
            }
            (_pending, _writing) = (_writing, _pending);
            return true;
        }
    }
}
