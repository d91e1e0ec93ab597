using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Stack;

// A connection's packets go through its TransmitQueue: queued in order under the connection's lock (SendThrough),
// written after it by one flusher at a time (FlushTransmitQueue), at the end of the inbound batch when a dispatcher
// sent them.
public sealed partial class NetStack
{
    [ThreadStatic]
    private static TransmitQueue? t_transmitQueue;

    /// <summary>A transmit queue for one connection's packets (see <see cref="SendThrough"/>).</summary>
    internal TransmitQueue CreateTransmitQueue() => new(this);

    /// <summary>Like <see cref="SendTransport"/>, but the IP packet is appended to <paramref name="queue"/> instead of being written; <see cref="FlushTransmitQueue"/> writes it.</summary>
    internal SocketError SendThrough(TransmitQueue queue, PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, in RouteInfo route)
    {
        t_transmitQueue = queue;
        try
        {
            return SendTransport(packet, source, destination, protocol, route);
        }
        finally
        {
            t_transmitQueue = null;
        }
    }

    /// <summary>Writes a connection's queued packets: at the end of the inbound batch on a dispatcher thread, else now.</summary>
    internal void FlushTransmitQueue(TransmitQueue queue)
    {
        for (DispatchScope? s = t_scope; s is not null; s = s.Outer)
        {
            if (s.Owner == this)
            {
                if (!s.Queues.Contains(queue))
                {
                    s.Queues.Add(queue);
                }
                return;
            }
        }
        queue.Flush();
    }

    /// <summary>Writes a batch whose packets carry their interface ids, keeping their order; consumes the references.</summary>
    internal void WriteInOrder(PacketBatch batch)
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

    private void WriteToInterface(int interfaceId, PacketBatch batch)
    {
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
