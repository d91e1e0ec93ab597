namespace Netstack.Link;

/// <summary>
/// Counters of a <see cref="TunLink"/> at one moment, named like the kernel's interface statistics (<c>ip -s link</c>,
/// <c>/sys/class/net/*/statistics</c>); see <see cref="TunLink.GetStatistics"/>.
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct TunLinkStatisticsSnapshot
{
    internal TunLinkStatisticsSnapshot(TunLinkStatistics counters)
    {
        RxPackets = Interlocked.Read(ref counters.RxPackets);
        RxBytes = Interlocked.Read(ref counters.RxBytes);
        RxErrors = Interlocked.Read(ref counters.RxErrors);
        TxPackets = Interlocked.Read(ref counters.TxPackets);
        TxBytes = Interlocked.Read(ref counters.TxBytes);
        TxErrors = Interlocked.Read(ref counters.TxErrors);
        TxDropped = Interlocked.Read(ref counters.TxDropped);
        SystemCalls = Interlocked.Read(ref counters.SystemCalls);
    }

    /// <summary>
    /// Packets read from the device and delivered to the stack. Linux <c>rx_packets</c>; instrument
    /// <c>netstack.link.packets.received</c> in <c>{packet}</c>.
    /// </summary>
    public long RxPackets { get; }

    /// <summary>
    /// Bytes of the packets in RxPackets. Linux <c>rx_bytes</c>; instrument <c>netstack.link.bytes.received</c> in
    /// <c>By</c>.
    /// </summary>
    public long RxBytes { get; }

    /// <summary>
    /// Reads that failed with an error other than EAGAIN, and batches the dispatcher threw on. Linux <c>rx_errors</c>;
    /// instrument <c>netstack.link.receive_errors</c> in <c>{error}</c>.
    /// </summary>
    public long RxErrors { get; }

    /// <summary>
    /// Packets written to the device. Linux <c>tx_packets</c>; instrument <c>netstack.link.packets.sent</c> in
    /// <c>{packet}</c>.
    /// </summary>
    public long TxPackets { get; }

    /// <summary>
    /// Bytes of the packets in TxPackets. Linux <c>tx_bytes</c>; instrument <c>netstack.link.bytes.sent</c> in
    /// <c>By</c>.
    /// </summary>
    public long TxBytes { get; }

    /// <summary>
    /// Writes that failed (the packet was dropped). Linux <c>tx_errors</c>; instrument <c>netstack.link.send_errors</c>
    /// in <c>{packet}</c>.
    /// </summary>
    public long TxErrors { get; }

    /// <summary>
    /// Packets dropped without a write error: the device stayed full, the link was closed, or the packet needs an
    /// offload this link lacks. Linux <c>tx_dropped</c>; instrument <c>netstack.link.packets.send_dropped</c> in
    /// <c>{packet}</c>.
    /// </summary>
    public long TxDropped { get; }

    /// <summary>
    /// System calls the link made on its descriptors: polls, reads (including the one that finds the queue empty) and
    /// writes. No Linux counterpart; instrument <c>netstack.link.system_calls</c> in <c>{call}</c>.
    /// </summary>
    public long SystemCalls { get; }
}
