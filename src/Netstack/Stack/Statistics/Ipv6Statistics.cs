
namespace Netstack.Stack;

/// <summary>
/// The mutable counters behind <see cref="Ipv6StatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class Ipv6Statistics
{
    public long InReceives;
    public long InHdrErrors;
    public long InTooBigErrors;
    public long InAddrErrors;
    public long InUnknownProtos;
    public long InTruncatedPkts;
    public long InDiscards;
    public long InDelivers;
    public long OutRequests;
    public long OutDiscards;
    public long OutNoRoutes;
    public long ReasmTimeout;
    public long ReasmReqds;
    public long ReasmOKs;
    public long ReasmFails;
    public long ReasmOverlaps;
    public long FragOKs;
    public long FragFails;
    public long FragCreates;
    public long InMcastPkts;
    public long InNoECTPkts;
    public long InECT1Pkts;
    public long InECT0Pkts;
    public long InCEPkts;

    /// <summary>The counter of received packets with <paramref name="ecn"/> in their header (Linux IPSTATS_MIB_NOECTPKTS + ECN bits).</summary>
    public ref long InEcnPkts(Wire.EcnCodepoint ecn) => ref EcnCounters.Select(ecn, ref InNoECTPkts, ref InECT1Pkts, ref InECT0Pkts, ref InCEPkts);
}
