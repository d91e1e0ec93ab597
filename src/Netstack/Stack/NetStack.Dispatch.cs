using Netstack.Buffers;
using Netstack.Link;
using Netstack.Offload;

namespace Netstack.Stack;

public sealed partial class NetStack
{
    /// <summary>
    /// The sends of one thread while it runs an inbound batch for one stack: one outbound batch per interface,
    /// flushed when the batch ends. Scopes are cached per thread and nest (a link that delivers synchronously
    /// into another stack on the same thread gets a scope of its own), so steady state allocates nothing.
    /// </summary>
    private sealed class DispatchScope
    {
        public NetStack? Owner;
        public DispatchScope? Outer;
        public PacketBatch?[] Batches = new PacketBatch?[4];
        public readonly List<TransmitQueue> Queues = new(8); // connections' queues to flush when the batch ends
        public int[] Dirty = new int[4];
        public int DirtyCount;

        /// <summary>GRO state for this thread's inbound batches, created with the scope so warm-up pays for it.</summary>
        public readonly TcpCoalescer Coalescer = new();

        public PacketBatch BatchFor(int interfaceId)
        {
            if (interfaceId >= Batches.Length)
            {
                Array.Resize(ref Batches, Math.Max(interfaceId + 1, Batches.Length * 2));
            }
            PacketBatch batch = Batches[interfaceId] ??= new PacketBatch();
            if (batch.IsEmpty)
            {
                if (DirtyCount == Dirty.Length)
                {
                    Array.Resize(ref Dirty, Dirty.Length * 2);
                }
                Dirty[DirtyCount++] = interfaceId;
            }
            return batch;
        }
    }

    [ThreadStatic]
    private static DispatchScope? t_scope;

    [ThreadStatic]
    private static DispatchScope? t_freeScopes;

    [ThreadStatic]
    private static PacketBatch? t_directBatch;

    /// <summary>Runs an inbound batch to completion, then flushes what it sent (the Linux softirq/NAPI shape).</summary>
    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(batch);
        NetInterface? nic = FindInterface(link);
        if (nic is null || _disposed)
        {
            batch.ReleaseAll();
            return;
        }
        DispatchScope scope = PushScope();
        try
        {
            if (Options.Gro && batch.Count > 1 && link.LinkHeaderLength == 0)
            {
                Coalesce(scope.Coalescer, batch);
            }
            int count = batch.Count;
            for (int i = 0; i < count; i++)
            {
                PacketBuffer packet = batch[i];
                batch[i] = null!;
                packet.InterfaceId = nic.Id;
                try
                {
                    ReceivePacket(nic, packet);
                }
#pragma warning disable CA1031 // A bug in one packet's handling must not kill the link's dispatcher thread.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref Statistics.Ip.InDiscards);
                }
            }
            batch.Clear();
        }
        finally
        {
            PopScope(scope);
        }
    }

    private DispatchScope PushScope()
    {
        DispatchScope scope = t_freeScopes ?? new DispatchScope();
        t_freeScopes = scope.Outer;
        scope.Owner = this;
        scope.Outer = t_scope;
        t_scope = scope;
        return scope;
    }

    /// <summary>Ends the innermost scope and writes what it collected (after unlinking it, so a link that delivers inline back into this stack starts a scope of its own).</summary>
    private void PopScope(DispatchScope scope)
    {
        t_scope = scope.Outer;
        try
        {
            Flush(scope);
        }
        finally
        {
            scope.Owner = null;
            scope.Outer = t_freeScopes;
            t_freeScopes = scope;
        }
    }

    /// <summary>Delivers one packet on the calling thread as if it had arrived on interface <paramref name="interfaceId"/> (tests, loopback).</summary>
    internal void DeliverPacket(int interfaceId, PacketBuffer packet)
    {
        NetInterface nic = GetInterface(interfaceId) ?? throw new ArgumentOutOfRangeException(nameof(interfaceId));
        PacketBatch batch = t_directBatch ?? new PacketBatch(1);
        t_directBatch = null;
        batch.Add(packet);
        DeliverPackets(nic.Link, batch);
        t_directBatch = batch;
    }

    private void ReceivePacket(NetInterface nic, PacketBuffer packet)
    {
        if (packet.Length == 0)
        {
            Interlocked.Increment(ref Statistics.Ip.InReceives);
            Interlocked.Increment(ref Statistics.Ip.InHdrErrors);
            packet.Release();
            return;
        }
        int version = packet.Span[0] >> 4;
        if (version == 6)
        {
            Ipv6.Receive(nic, packet);
        }
        else
        {
            Ipv4.Receive(nic, packet);
        }
    }

    /// <summary>Queues an IP packet for <paramref name="nic"/>: into the current batch on a dispatcher thread, else written at once. Takes the reference.</summary>
    internal void Transmit(NetInterface nic, PacketBuffer packet)
    {
        packet.InterfaceId = nic.Id;
        if (t_transmitQueue is TransmitQueue queue && queue.Stack == this)
        {
            queue.Add(packet);
            return;
        }
        for (DispatchScope? s = t_scope; s is not null; s = s.Outer)
        {
            if (s.Owner == this)
            {
                s.BatchFor(nic.Id).Add(packet);
                return;
            }
        }
        PacketBatch batch = t_directBatch ?? new PacketBatch(1);
        t_directBatch = null;
        batch.Add(packet);
        WriteToLink(nic, batch);
        t_directBatch = batch;
    }

    /// <summary>Whether the calling thread is running an inbound batch of this stack (sends will be batched).</summary>
    internal bool IsDispatching
    {
        get
        {
            for (DispatchScope? s = t_scope; s is not null; s = s.Outer)
            {
                if (s.Owner == this)
                {
                    return true;
                }
            }
            return false;
        }
    }

    private void Flush(DispatchScope scope)
    {
        int i = 0;
        try
        {
            for (; i < scope.DirtyCount; i++)
            {
                int id = scope.Dirty[i];
                PacketBatch batch = scope.Batches[id]!;
                if (!batch.IsEmpty && GetInterface(id) is NetInterface nic)
                {
                    WriteToLink(nic, batch);
                }
                else
                {
                    batch.ReleaseAll();
                }
            }
        }
        finally
        {
            // A link that threw leaves the rest of the batches unwritten: release them rather than leak them.
            for (; i < scope.DirtyCount; i++)
            {
                scope.Batches[scope.Dirty[i]]!.ReleaseAll();
            }
            scope.DirtyCount = 0;
        }
        // Connections' queues last: each writes its own packets in order (and may find another thread already doing so).
        try
        {
            for (int q = 0; q < scope.Queues.Count; q++)
            {
                scope.Queues[q].Flush();
            }
        }
        finally
        {
            scope.Queues.Clear(); // a queue left unflushed by a throwing link is written by its connection's next flush
        }
    }

    private NetInterface? FindInterface(ILinkEndpoint link)
    {
        NetInterface[] nics = Volatile.Read(ref _interfaces);
        for (int i = 1; i < nics.Length; i++)
        {
            if (ReferenceEquals(nics[i].Link, link))
            {
                return nics[i];
            }
        }
        return null;
    }
}
