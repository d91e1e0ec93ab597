using System.Diagnostics.Metrics;

namespace Netstack.Link;

/// <summary>Counters of a <see cref="TunLink"/>, named like the kernel's interface statistics (<c>ip -s link</c>).</summary>
public sealed class TunLinkStatistics
{
    /// <summary>Packets read from the device and delivered.</summary>
    public long RxPackets;

    /// <summary>Bytes of the packets in <see cref="RxPackets"/>.</summary>
    public long RxBytes;

    /// <summary>Reads that failed with an error other than EAGAIN, and batches the dispatcher threw on.</summary>
    public long RxErrors;

    /// <summary>Packets written to the device.</summary>
    public long TxPackets;

    /// <summary>Bytes of the packets in <see cref="TxPackets"/>.</summary>
    public long TxBytes;

    /// <summary>Writes that failed (the packet was dropped).</summary>
    public long TxErrors;

    /// <summary>Packets dropped without a write error: the device stayed full, the link was closed, or the packet needs an offload this link lacks.</summary>
    public long TxDropped;

    /// <summary>System calls the link made on its descriptors: polls, reads (including the one that finds the queue empty) and writes.</summary>
    public long SystemCalls;

    /// <summary>Exposes every counter as an observable counter named <c>{prefix}.{Name}</c>.</summary>
    public void Register(Meter meter, string prefix)
    {
        meter.CreateObservableCounter(prefix + ".RxPackets", () => Volatile.Read(ref RxPackets));
        meter.CreateObservableCounter(prefix + ".RxBytes", () => Volatile.Read(ref RxBytes));
        meter.CreateObservableCounter(prefix + ".RxErrors", () => Volatile.Read(ref RxErrors));
        meter.CreateObservableCounter(prefix + ".TxPackets", () => Volatile.Read(ref TxPackets));
        meter.CreateObservableCounter(prefix + ".TxBytes", () => Volatile.Read(ref TxBytes));
        meter.CreateObservableCounter(prefix + ".TxErrors", () => Volatile.Read(ref TxErrors));
        meter.CreateObservableCounter(prefix + ".TxDropped", () => Volatile.Read(ref TxDropped));
        meter.CreateObservableCounter(prefix + ".SystemCalls", () => Volatile.Read(ref SystemCalls));
    }
}
