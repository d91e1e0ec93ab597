using Netstack.Buffers;

namespace Netstack.Stack;

// A connection's packets go through its TransmitQueue: queued in order under the connection's lock (the context's
// Queue), written after it by one flusher at a time (FlushTransmitQueue), at the end of the inbound batch when a
// dispatcher made them.
public sealed partial class NetStack : IOrderedPacketWriter
{
    /// <summary>A transmit queue for one connection's packets.</summary>
    internal TransmitQueue CreateTransmitQueue() => new(this, Statistics.Offload);

    /// <summary>Writes a connection's queued packets: at the end of the inbound batch when <paramref name="tx"/> names one, else now.</summary>
    internal static void FlushTransmitQueue(TransmitQueue queue, in TransmitContext tx)
    {
        if (tx.Batch is OutboundBatch outbound)
        {
            outbound.Defer(queue);
        }
        else
        {
            queue.Flush();
        }
    }

    /// <summary>Writes a batch whose packets carry their interface ids, keeping their order; consumes the references.</summary>
    void IOrderedPacketWriter.WriteInOrder(PacketBatch batch)
    {
        ReadOnlySpan<PacketBuffer> packets = batch.AsSpan();
        int id = packets.Length > 0 ? packets[0].InterfaceId : 0;
        bool oneInterface = true;
        foreach (PacketBuffer p in packets)
        {
            oneInterface &= p.InterfaceId == id;
        }
        if (oneInterface)
        {
            WriteToInterface(id, batch);
            return;
        }
        PacketBatch run = t_directBatch ?? new PacketBatch(1);
        t_directBatch = null;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer packet = batch[i];
            if (!run.IsEmpty && run[0].InterfaceId != packet.InterfaceId)
            {
                WriteToInterface(run[0].InterfaceId, run);
            }
            run.Add(packet);
        }
        batch.Clear();
        if (!run.IsEmpty)
        {
            WriteToInterface(run[0].InterfaceId, run);
        }
        t_directBatch = run;
    }

    /// <summary>Writes a batch to interface <paramref name="interfaceId"/> (released when the interface is gone); consumes the references.</summary>
    internal void WriteToInterface(int interfaceId, PacketBatch batch)
    {
        if (batch.IsEmpty)
        {
            return;
        }
        if (GetInterface(interfaceId) is NetInterface nic)
        {
            WriteToLink(nic, batch);
        }
        else
        {
            batch.ReleaseAll(); // the interface was removed
        }
    }
}
