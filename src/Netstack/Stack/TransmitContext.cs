namespace Netstack.Stack;

/// <summary>
/// Where the packets made by one piece of work go, handed down explicitly from transport to IP to the interface
/// (gVisor passes its route and packet-buffer owner the same way; Linux keeps it in the socket and the softirq).
/// </summary>
/// <remarks>
/// Three destinations, in order of precedence:
/// <list type="bullet">
/// <item><see cref="Queue"/>: a connection's ordered transmit queue. Its packets are written after the connection's
/// lock is released, in the order they were made (see <see cref="TransmitQueue"/>).</item>
/// <item><see cref="Batch"/>: the outbound batch of the inbound batch a dispatcher is running. Its packets (and the
/// connection queues deferred to it) are written once when the inbound batch ends — one flush per batch.</item>
/// <item>neither (<see cref="Immediate"/>): written to the link at once, on the calling thread (timers and
/// application calls).</item>
/// </list>
/// A context with both keeps the batch so that the queue's flush can be deferred to the end of the batch.
/// </remarks>
internal readonly struct TransmitContext
{
    private TransmitContext(OutboundBatch? batch, TransmitQueue? queue)
    {
        Batch = batch;
        Queue = queue;
    }

    /// <summary>Write at once, on the calling thread.</summary>
    public static TransmitContext Immediate => default;

    /// <summary>The outbound batch of the inbound batch being dispatched, if any.</summary>
    public OutboundBatch? Batch { get; }

    /// <summary>The connection's ordered queue, if the packets belong to one.</summary>
    public TransmitQueue? Queue { get; }

    /// <summary>Packets of a connection, made outside any dispatcher's batch (its flush writes them at once).</summary>
    public static TransmitContext Queued(TransmitQueue queue) => new(null, queue);

    /// <summary>Packets made while a dispatcher runs <paramref name="batch"/>.</summary>
    public static TransmitContext Dispatching(OutboundBatch batch) => new(batch, null);

    /// <summary>The same context, with the packets going through a connection's <paramref name="queue"/>.</summary>
    public TransmitContext Through(TransmitQueue queue) => new(Batch, queue);
}
