using Netstack.Buffers;
using Netstack.Offload;

namespace Netstack.Stack;

/// <summary>
/// What a dispatcher sends while it runs one inbound batch of one stack: a packet batch per interface, and the
/// connections' transmit queues to flush, all written once when the inbound batch ends (the Linux softirq/NAPI
/// shape: one write per batch, not per reply).
/// </summary>
/// <remarks>
/// Reached only through the <see cref="TransmitContext"/> handed down the receive path, never through ambient
/// state. Instances are reused (see <see cref="NetStack.DeliverPackets"/>), so the steady state allocates nothing.
/// </remarks>
internal sealed class OutboundBatch
{
    private PacketBatch?[] _batches = new PacketBatch?[4]; // index = interface id
    private int[] _dirty = new int[4]; // interfaces with packets, in first-use order
    private int _dirtyCount;
    private readonly List<TransmitQueue> _queues = new(8);

    /// <summary>GRO state for the inbound batches this object serves, created with it so warm-up pays for it.</summary>
    public TcpCoalescer Coalescer { get; } = new();

    /// <summary>Appends a packet for interface <paramref name="interfaceId"/>; takes the reference.</summary>
    public void Add(int interfaceId, PacketBuffer packet)
    {
        if (interfaceId >= _batches.Length)
        {
            Array.Resize(ref _batches, Math.Max(interfaceId + 1, _batches.Length * 2));
        }
        PacketBatch batch = _batches[interfaceId] ??= new PacketBatch();
        if (batch.IsEmpty)
        {
            if (_dirtyCount == _dirty.Length)
            {
                Array.Resize(ref _dirty, _dirty.Length * 2);
            }
            _dirty[_dirtyCount++] = interfaceId;
        }
        batch.Add(packet);
    }

    /// <summary>Flushes <paramref name="queue"/> when the batch ends instead of now (once, however often it is deferred).</summary>
    public void Defer(TransmitQueue queue)
    {
        if (!_queues.Contains(queue))
        {
            _queues.Add(queue);
        }
    }

    /// <summary>
    /// Writes everything: the interfaces' batches first, then each deferred connection queue (each writes its own
    /// packets in order, and may find another thread already doing so). Leaves the object empty for reuse.
    /// </summary>
    public void Flush(NetStack stack)
    {
        int i = 0;
        try
        {
            for (; i < _dirtyCount; i++)
            {
                stack.WriteToInterface(_dirty[i], _batches[_dirty[i]]!);
            }
        }
        finally
        {
            // A link that threw leaves the rest of the batches unwritten: release them rather than leak them.
            for (; i < _dirtyCount; i++)
            {
                _batches[_dirty[i]]!.ReleaseAll();
            }
            _dirtyCount = 0;
        }
        try
        {
            for (int q = 0; q < _queues.Count; q++)
            {
                _queues[q].Flush();
            }
        }
        finally
        {
            _queues.Clear(); // a queue left unflushed by a throwing link is written by its connection's next flush
        }
    }
}
