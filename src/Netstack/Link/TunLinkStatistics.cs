using System.Diagnostics.Metrics;
using Netstack.Stack;

namespace Netstack.Link;

/// <summary>
/// The mutable counters behind <see cref="TunLinkStatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class TunLinkStatistics
{
    public long RxPackets;
    public long RxBytes;
    public long RxErrors;
    public long TxPackets;
    public long TxBytes;
    public long TxErrors;
    public long TxDropped;
    public long SystemCalls;

    /// <summary>Publishes every counter on <paramref name="meter"/> (instrument names in the README's Metrics section).</summary>
    public void Register(Meter meter, KeyValuePair<string, object?> interfaceTag)
    {
        StatisticsInstruments.Counter(meter, "netstack.link.packets.received", "{packet}", "Packets read from the device and delivered to the stack.", () => Interlocked.Read(ref RxPackets), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.bytes.received", "By", "Bytes of the packets in RxPackets.", () => Interlocked.Read(ref RxBytes), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.receive_errors", "{error}", "Reads that failed with an error other than EAGAIN, and batches the dispatcher threw on.", () => Interlocked.Read(ref RxErrors), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.packets.sent", "{packet}", "Packets written to the device.", () => Interlocked.Read(ref TxPackets), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.bytes.sent", "By", "Bytes of the packets in TxPackets.", () => Interlocked.Read(ref TxBytes), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.send_errors", "{packet}", "Writes that failed (the packet was dropped).", () => Interlocked.Read(ref TxErrors), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.packets.send_dropped", "{packet}", "Packets dropped without a write error: the device stayed full, the link was closed, or the packet needs an offload this link lacks.", () => Interlocked.Read(ref TxDropped), interfaceTag);
        StatisticsInstruments.Counter(meter, "netstack.link.system_calls", "{call}", "System calls the link made on its descriptors: polls, reads (including the one that finds the queue empty) and writes.", () => Interlocked.Read(ref SystemCalls), interfaceTag);
    }
}
