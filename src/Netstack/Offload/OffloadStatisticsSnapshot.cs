namespace Netstack.Offload;

/// <summary>
/// Counters of the software offloads at one moment: GSO splitting super-segments before a link, GRO merging segments
/// after one; see <see cref="Stack.NetStack.GetStatistics"/>.
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct OffloadStatisticsSnapshot
{
    internal OffloadStatisticsSnapshot(OffloadStatistics counters)
    {
        GsoPackets = Interlocked.Read(ref counters.GsoPackets);
        GsoSegments = Interlocked.Read(ref counters.GsoSegments);
        GsoDrops = Interlocked.Read(ref counters.GsoDrops);
        GroPackets = Interlocked.Read(ref counters.GroPackets);
        GroSegments = Interlocked.Read(ref counters.GroSegments);
        AcksReplaced = Interlocked.Read(ref counters.AcksReplaced);
    }

    /// <summary>
    /// Super-segments split in software because the link lacked <see cref="Link.LinkCapabilities.Gso"/>. No Linux
    /// counterpart; instrument <c>netstack.offload.gso.packets</c> in <c>{packet}</c>.
    /// </summary>
    public long GsoPackets { get; }

    /// <summary>
    /// Wire segments those super-segments became. No Linux counterpart; instrument <c>netstack.offload.gso.segments</c>
    /// in <c>{segment}</c>.
    /// </summary>
    public long GsoSegments { get; }

    /// <summary>
    /// Super-segments dropped because their headers could not be segmented. No Linux counterpart; instrument
    /// <c>netstack.offload.gso.dropped</c> in <c>{packet}</c>.
    /// </summary>
    public long GsoDrops { get; }

    /// <summary>
    /// Coalesced packets handed to the network layer, each made of two or more wire segments. No Linux counterpart;
    /// instrument <c>netstack.offload.gro.packets</c> in <c>{packet}</c>.
    /// </summary>
    public long GroPackets { get; }

    /// <summary>
    /// Wire segments that went into those coalesced packets. No Linux counterpart; instrument
    /// <c>netstack.offload.gro.segments</c> in <c>{segment}</c>.
    /// </summary>
    public long GroSegments { get; }

    /// <summary>
    /// Pure cumulative TCP ACKs not written because a later one of the same connection, queued behind them before either
    /// went out (an inbound batch of in-order segments), acknowledged as much with a newer window: the ACK side of GRO.
    /// No Linux counterpart; instrument <c>netstack.offload.ack.replaced</c> in <c>{segment}</c>.
    /// </summary>
    public long AcksReplaced { get; }
}
