using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>
/// A link: where the stack's packets leave and arrive. Links move batches, not single packets, and say what
/// they can offload. Packets on an IP link (TUN, the in-memory channel) start at the IP header; packets on an
/// Ethernet link start at the Ethernet header (<see cref="LinkHeaderLength"/> is 14).
/// </summary>
/// <remarks>
/// Ownership: <see cref="WritePackets"/> takes each packet's reference and releases it once written (or
/// dropped); a dispatcher handed a batch by <see cref="INetworkDispatcher.DeliverPackets"/> owns those
/// references likewise. A link delivers inbound batches on its own dispatcher thread(s), one at a time per
/// queue, after <see cref="Attach"/>; it stops when disposed. <see cref="IAsyncDisposable.DisposeAsync"/> does the same
/// without blocking the caller while the link's threads finish (a link without threads may keep the default, which
/// calls <see cref="IDisposable.Dispose"/>). Dispose a stack's links before the stack.
/// </remarks>
public interface ILinkEndpoint : IDisposable, IAsyncDisposable
{
    /// <summary>The largest IP packet (without link header) the link carries unsegmented.</summary>
    int Mtu { get; }

    /// <summary>Bytes of link-layer header in front of the IP header (0 for IP links).</summary>
    int LinkHeaderLength { get; }

    /// <summary>What the link can offload.</summary>
    LinkCapabilities Capabilities { get; }

    /// <summary>The largest super-segment (IP packet) the link accepts when it can segment (<see cref="LinkCapabilities.Gso"/>).</summary>
    int GsoMaxSize { get; }

    /// <summary>Starts delivering inbound packets to <paramref name="dispatcher"/>.</summary>
    void Attach(INetworkDispatcher dispatcher);

    /// <summary>Writes the batch's packets in order, consuming their references, and clears the batch.</summary>
    void WritePackets(PacketBatch batch);

    /// <summary>The default for links that have nothing to wait for: <see cref="IDisposable.Dispose"/>.</summary>
    ValueTask IAsyncDisposable.DisposeAsync()
    {
        Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The upward interface a link delivers to: the network layer of a stack (gVisor's NetworkDispatcher).</summary>
public interface INetworkDispatcher
{
    /// <summary>Processes a batch of inbound packets to completion; takes their references and clears the batch.</summary>
    void DeliverPackets(ILinkEndpoint link, PacketBatch batch);
}

/// <summary>Offload capabilities of a link.</summary>
[Flags]
public enum LinkCapabilities
{
    /// <summary>No offloads: every packet is complete and at most <see cref="ILinkEndpoint.Mtu"/> bytes.</summary>
    None = 0,

    /// <summary>Outbound packets may carry a partial transport checksum (<see cref="OffloadInfo.NeedsChecksum"/>); the link completes it.</summary>
    TxChecksumOffload = 1 << 0,

    /// <summary>Inbound packets may arrive with <see cref="OffloadInfo.ChecksumValid"/> set (verified by the link).</summary>
    RxChecksumOffload = 1 << 1,

    /// <summary>The link accepts TCP super-segments up to <see cref="ILinkEndpoint.GsoMaxSize"/> and segments them (in hardware, the kernel, or software).</summary>
    Gso = 1 << 2,

    /// <summary>Inbound packets may be coalesced super-segments (<see cref="OffloadInfo.SegmentCount"/> &gt; 1).</summary>
    Gro = 1 << 3,

    /// <summary>The link carries Ethernet frames and needs ARP/NDP resolution.</summary>
    Ethernet = 1 << 4,

    /// <summary>The link accepts UDP super-segments (USO).</summary>
    UdpGso = 1 << 5,
}
