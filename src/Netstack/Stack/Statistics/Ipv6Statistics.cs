using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>IPv6 counters, named as Linux <c>netstat -s</c> (<c>/proc/net/snmp6</c> Ip6*).</summary>
/// <remarks>Fields are incremented with <see cref="Interlocked"/> on the packet path; read them with <see cref="Interlocked.Read(ref long)"/> or through the <see cref="Meter"/> after <see cref="Register"/>.</remarks>
public sealed class Ipv6Statistics
{
    /// <summary>Datagrams received from links, including those in error.</summary>
    public long InReceives;

    /// <summary>Discarded for a bad version, payload length, hop limit or extension header.</summary>
    public long InHdrErrors;

    /// <summary>Not forwarded because larger than the MTU.</summary>
    public long InTooBigErrors;

    /// <summary>Discarded because the destination is not an address (or joined group) of this stack.</summary>
    public long InAddrErrors;

    /// <summary>Delivered locally but no handler for the next header.</summary>
    public long InUnknownProtos;

    /// <summary>Shorter than their payload length.</summary>
    public long InTruncatedPkts;

    /// <summary>Discarded for lack of resources.</summary>
    public long InDiscards;

    /// <summary>Delivered to a transport handler or ICMPv6.</summary>
    public long InDelivers;

    /// <summary>Datagrams the transports and ICMPv6 handed to IPv6 for sending.</summary>
    public long OutRequests;

    /// <summary>Outbound datagrams discarded for lack of resources.</summary>
    public long OutDiscards;

    /// <summary>Outbound datagrams discarded because no route matched.</summary>
    public long OutNoRoutes;

    /// <summary>Reassembly queues that timed out.</summary>
    public long ReasmTimeout;

    /// <summary>Fragments received that needed reassembly.</summary>
    public long ReasmReqds;

    /// <summary>Datagrams successfully reassembled.</summary>
    public long ReasmOKs;

    /// <summary>Reassembly failures, per datagram.</summary>
    public long ReasmFails;

    /// <summary>Datagrams dropped because fragments overlapped (RFC 5722).</summary>
    public long ReasmOverlaps;

    /// <summary>Datagrams successfully fragmented at the source.</summary>
    public long FragOKs;

    /// <summary>Datagrams that could not be fragmented.</summary>
    public long FragFails;

    /// <summary>Fragments created on output.</summary>
    public long FragCreates;

    /// <summary>Multicast datagrams received.</summary>
    public long InMcastPkts;

    /// <summary>Publishes every counter as an observable counter named <c>{prefix}.{Name}</c> (e.g. <c>netstack.ip.InReceives</c>).</summary>
    public void Register(Meter meter, string prefix)
    {
        ArgumentNullException.ThrowIfNull(meter);
        StatisticsRegistration.Add(meter, prefix, nameof(InReceives), () => Interlocked.Read(ref InReceives));
        StatisticsRegistration.Add(meter, prefix, nameof(InHdrErrors), () => Interlocked.Read(ref InHdrErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(InTooBigErrors), () => Interlocked.Read(ref InTooBigErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(InAddrErrors), () => Interlocked.Read(ref InAddrErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(InUnknownProtos), () => Interlocked.Read(ref InUnknownProtos));
        StatisticsRegistration.Add(meter, prefix, nameof(InTruncatedPkts), () => Interlocked.Read(ref InTruncatedPkts));
        StatisticsRegistration.Add(meter, prefix, nameof(InDiscards), () => Interlocked.Read(ref InDiscards));
        StatisticsRegistration.Add(meter, prefix, nameof(InDelivers), () => Interlocked.Read(ref InDelivers));
        StatisticsRegistration.Add(meter, prefix, nameof(OutRequests), () => Interlocked.Read(ref OutRequests));
        StatisticsRegistration.Add(meter, prefix, nameof(OutDiscards), () => Interlocked.Read(ref OutDiscards));
        StatisticsRegistration.Add(meter, prefix, nameof(OutNoRoutes), () => Interlocked.Read(ref OutNoRoutes));
        StatisticsRegistration.Add(meter, prefix, nameof(ReasmTimeout), () => Interlocked.Read(ref ReasmTimeout));
        StatisticsRegistration.Add(meter, prefix, nameof(ReasmReqds), () => Interlocked.Read(ref ReasmReqds));
        StatisticsRegistration.Add(meter, prefix, nameof(ReasmOKs), () => Interlocked.Read(ref ReasmOKs));
        StatisticsRegistration.Add(meter, prefix, nameof(ReasmFails), () => Interlocked.Read(ref ReasmFails));
        StatisticsRegistration.Add(meter, prefix, nameof(ReasmOverlaps), () => Interlocked.Read(ref ReasmOverlaps));
        StatisticsRegistration.Add(meter, prefix, nameof(FragOKs), () => Interlocked.Read(ref FragOKs));
        StatisticsRegistration.Add(meter, prefix, nameof(FragFails), () => Interlocked.Read(ref FragFails));
        StatisticsRegistration.Add(meter, prefix, nameof(FragCreates), () => Interlocked.Read(ref FragCreates));
        StatisticsRegistration.Add(meter, prefix, nameof(InMcastPkts), () => Interlocked.Read(ref InMcastPkts));
    }
}
