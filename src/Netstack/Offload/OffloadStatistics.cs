using System.Diagnostics.Metrics;
using Netstack.Stack;

namespace Netstack.Offload;

/// <summary>
/// The mutable counters behind <see cref="OffloadStatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class OffloadStatistics
{
    public long GsoPackets;
    public long GsoSegments;
    public long GsoDrops;
    public long GroPackets;
    public long GroSegments;
    public long AcksReplaced;

    /// <summary>Publishes every counter on <paramref name="meter"/> (instrument names in the README's Metrics section).</summary>
    public void Register(Meter meter)
    {
        StatisticsInstruments.Counter(meter, "netstack.offload.gso.packets", "{packet}", "Super-segments split in software because the link lacked Gso.", () => Interlocked.Read(ref GsoPackets));
        StatisticsInstruments.Counter(meter, "netstack.offload.gso.segments", "{segment}", "Wire segments those super-segments became.", () => Interlocked.Read(ref GsoSegments));
        StatisticsInstruments.Counter(meter, "netstack.offload.gso.dropped", "{packet}", "Super-segments dropped because their headers could not be segmented.", () => Interlocked.Read(ref GsoDrops));
        StatisticsInstruments.Counter(meter, "netstack.offload.gro.packets", "{packet}", "Coalesced packets handed to the network layer, each made of two or more wire segments.", () => Interlocked.Read(ref GroPackets));
        StatisticsInstruments.Counter(meter, "netstack.offload.gro.segments", "{segment}", "Wire segments that went into those coalesced packets.", () => Interlocked.Read(ref GroSegments));
        StatisticsInstruments.Counter(meter, "netstack.offload.ack.replaced", "{segment}", "Pure TCP ACKs not written because a later one of the same connection, queued behind them in the same batch, said as much.", () => Interlocked.Read(ref AcksReplaced));
    }
}
