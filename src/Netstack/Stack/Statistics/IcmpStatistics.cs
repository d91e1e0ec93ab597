using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>ICMP (or ICMPv6) counters, named as Linux <c>netstat -s</c> (Icmp: / Icmp6:).</summary>
/// <remarks>Fields are incremented with <see cref="Interlocked"/> on the packet path; read them with <see cref="Interlocked.Read(ref long)"/> or through the <see cref="Meter"/> after <see cref="Register"/>.</remarks>
public sealed class IcmpStatistics
{
    /// <summary>Messages received, including those in error.</summary>
    public long InMsgs;

    /// <summary>Messages received with a bad checksum or length.</summary>
    public long InErrors;

    /// <summary>Messages received with a bad checksum.</summary>
    public long InCsumErrors;

    /// <summary>Destination unreachable messages received.</summary>
    public long InDestUnreachs;

    /// <summary>Time exceeded messages received.</summary>
    public long InTimeExcds;

    /// <summary>Parameter problem messages received.</summary>
    public long InParmProbs;

    /// <summary>Packet too big (ICMPv6) / fragmentation needed (ICMPv4) messages received.</summary>
    public long InPktTooBigs;

    /// <summary>Echo requests received.</summary>
    public long InEchos;

    /// <summary>Echo replies received.</summary>
    public long InEchoReps;

    /// <summary>Neighbour solicitations received (ICMPv6).</summary>
    public long InNeighborSolicits;

    /// <summary>Neighbour advertisements received (ICMPv6).</summary>
    public long InNeighborAdvertisements;

    /// <summary>Messages sent.</summary>
    public long OutMsgs;

    /// <summary>Messages not sent for lack of a route or buffer.</summary>
    public long OutErrors;

    /// <summary>Destination unreachable messages sent.</summary>
    public long OutDestUnreachs;

    /// <summary>Time exceeded messages sent.</summary>
    public long OutTimeExcds;

    /// <summary>Echo requests sent.</summary>
    public long OutEchos;

    /// <summary>Echo replies sent.</summary>
    public long OutEchoReps;

    /// <summary>Neighbour advertisements sent (ICMPv6).</summary>
    public long OutNeighborAdvertisements;

    /// <summary>Error messages suppressed by the rate limit (Linux IcmpOutRateLimitGlobal).</summary>
    public long OutRateLimited;

    /// <summary>Publishes every counter as an observable counter named <c>{prefix}.{Name}</c> (e.g. <c>netstack.ip.InReceives</c>).</summary>
    public void Register(Meter meter, string prefix)
    {
        ArgumentNullException.ThrowIfNull(meter);
        StatisticsRegistration.Add(meter, prefix, nameof(InMsgs), () => Interlocked.Read(ref InMsgs));
        StatisticsRegistration.Add(meter, prefix, nameof(InErrors), () => Interlocked.Read(ref InErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(InCsumErrors), () => Interlocked.Read(ref InCsumErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(InDestUnreachs), () => Interlocked.Read(ref InDestUnreachs));
        StatisticsRegistration.Add(meter, prefix, nameof(InTimeExcds), () => Interlocked.Read(ref InTimeExcds));
        StatisticsRegistration.Add(meter, prefix, nameof(InParmProbs), () => Interlocked.Read(ref InParmProbs));
        StatisticsRegistration.Add(meter, prefix, nameof(InPktTooBigs), () => Interlocked.Read(ref InPktTooBigs));
        StatisticsRegistration.Add(meter, prefix, nameof(InEchos), () => Interlocked.Read(ref InEchos));
        StatisticsRegistration.Add(meter, prefix, nameof(InEchoReps), () => Interlocked.Read(ref InEchoReps));
        StatisticsRegistration.Add(meter, prefix, nameof(InNeighborSolicits), () => Interlocked.Read(ref InNeighborSolicits));
        StatisticsRegistration.Add(meter, prefix, nameof(InNeighborAdvertisements), () => Interlocked.Read(ref InNeighborAdvertisements));
        StatisticsRegistration.Add(meter, prefix, nameof(OutMsgs), () => Interlocked.Read(ref OutMsgs));
        StatisticsRegistration.Add(meter, prefix, nameof(OutErrors), () => Interlocked.Read(ref OutErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(OutDestUnreachs), () => Interlocked.Read(ref OutDestUnreachs));
        StatisticsRegistration.Add(meter, prefix, nameof(OutTimeExcds), () => Interlocked.Read(ref OutTimeExcds));
        StatisticsRegistration.Add(meter, prefix, nameof(OutEchos), () => Interlocked.Read(ref OutEchos));
        StatisticsRegistration.Add(meter, prefix, nameof(OutEchoReps), () => Interlocked.Read(ref OutEchoReps));
        StatisticsRegistration.Add(meter, prefix, nameof(OutNeighborAdvertisements), () => Interlocked.Read(ref OutNeighborAdvertisements));
        StatisticsRegistration.Add(meter, prefix, nameof(OutRateLimited), () => Interlocked.Read(ref OutRateLimited));
    }
}
