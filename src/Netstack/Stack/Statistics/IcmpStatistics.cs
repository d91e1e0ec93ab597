
namespace Netstack.Stack;

/// <summary>
/// The mutable counters behind <see cref="IcmpStatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class IcmpStatistics
{
    public long InMsgs;
    public long InErrors;
    public long InCsumErrors;
    public long InDestUnreachs;
    public long InTimeExcds;
    public long InParmProbs;
    public long InPktTooBigs;
    public long InEchos;
    public long InEchoReps;
    public long InNeighborSolicits;
    public long InNeighborAdvertisements;
    public long OutMsgs;
    public long OutErrors;
    public long OutDestUnreachs;
    public long OutTimeExcds;
    public long OutEchos;
    public long OutEchoReps;
    public long OutNeighborAdvertisements;
    public long OutRateLimited;
}
