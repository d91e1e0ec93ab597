using Microsoft.Extensions.Logging;
using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Stack;

public sealed partial class NetStack
{
    // Per-thread caches only (neither decides where a packet goes): reusable outbound batches for the inbound
    // batches this thread runs (nested when a link delivers inline into a stack on the same thread), and a
    // one-packet batch for single writes.
    [ThreadStatic]
    private static Stack<OutboundBatch>? t_spareOutbound;

    [ThreadStatic]
    private static PacketBatch? t_directBatch;

    /// <summary>
    /// Runs an inbound batch to completion, then writes what it sent (the Linux softirq/NAPI shape): every reply made
    /// on the way is handed an explicit <see cref="TransmitContext"/> naming this batch's <see cref="OutboundBatch"/>.
    /// </summary>
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
        Stack<OutboundBatch> spare = t_spareOutbound ??= new Stack<OutboundBatch>();
        OutboundBatch outbound = spare.TryPop(out OutboundBatch? reused) ? reused : new OutboundBatch();
        try
        {
            if ((link.Capabilities & LinkCapabilities.RxChecksumOffload) == 0)
            {
                DistrustChecksumFlags(batch);
            }
            if (Options.Gro && batch.Count > 1 && link.LinkHeaderLength == 0)
            {
                Coalesce(outbound.Coalescer, batch);
            }
            var tx = TransmitContext.Dispatching(outbound);
            int count = batch.Count;
            for (int i = 0; i < count; i++)
            {
                PacketBuffer packet = batch[i];
                batch[i] = null!;
                packet.InterfaceId = nic.Id;
                try
                {
                    ReceivePacket(nic, packet, tx);
                }
#pragma warning disable CA1031 // A bug in one packet's handling must not kill the link's dispatcher thread.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref Statistics.Ip.InDiscards);
                    LogHandlingFailure(e);
                }
            }
            batch.Clear();
        }
        finally
        {
            try
            {
                outbound.Flush(this);
            }
            finally
            {
                spare.Push(outbound);
            }
        }
    }

    /// <summary>
    /// A link without <see cref="LinkCapabilities.RxChecksumOffload"/> cannot vouch for a checksum, so whatever its
    /// packets say about one is ignored and every checksum is verified here.
    /// </summary>
    private static void DistrustChecksumFlags(PacketBatch batch)
    {
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            packet.Offload.ChecksumValid = false;
        }
    }

    private int _loggedHandlingFailure;

    /// <summary>A packet's handling threw (a bug): the first time at Warning with the exception, later ones at Trace, so a bad stream cannot flood the log.</summary>
    private void LogHandlingFailure(Exception e)
    {
        if (Interlocked.Exchange(ref _loggedHandlingFailure, 1) == 0)
        {
            StackLog.PacketHandlingFailed(Logger, e);
        }
        else
        {
            StackLog.PacketHandlingFailedAgain(Logger, e);
        }
    }

    /// <summary>A link's dispatcher thread stopped because the device failed: logged at Warning by the stack it delivered to.</summary>
    internal void OnLinkFailed(ILinkEndpoint link, string reason) =>
        StackLog.LinkFailed(Logger, link is TunLink tun ? tun.Name : link.GetType().Name, reason);

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

    private void ReceivePacket(NetInterface nic, PacketBuffer packet, in TransmitContext tx)
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
            Ipv6.Receive(nic, packet, tx);
        }
        else
        {
            Ipv4.Receive(nic, packet, tx);
        }
    }

    /// <summary>
    /// Hands an IP packet to <paramref name="nic"/> the way <paramref name="tx"/> says: into a connection's queue, into
    /// the dispatcher's outbound batch, or to the link at once. Takes the reference.
    /// </summary>
    internal void Transmit(NetInterface nic, PacketBuffer packet, in TransmitContext tx)
    {
        packet.InterfaceId = nic.Id;
        if (tx.Queue is TransmitQueue queue)
        {
            queue.Add(packet);
            return;
        }
        if (tx.Batch is OutboundBatch outbound)
        {
            outbound.Add(nic.Id, packet);
            return;
        }
        PacketBatch batch = t_directBatch ?? new PacketBatch(1);
        t_directBatch = null;
        batch.Add(packet);
        WriteToLink(nic, batch);
        t_directBatch = batch;
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
