using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>UDP counters (both families), named as Linux <c>netstat -s</c> (Udp:).</summary>
/// <remarks>Fields are incremented with <see cref="Interlocked"/> on the packet path; read them with <see cref="Interlocked.Read(ref long)"/> or through the <see cref="Meter"/> after <see cref="Register"/>.</remarks>
public sealed class UdpStatistics
{
    /// <summary>Datagrams delivered to sockets.</summary>
    public long InDatagrams;

    /// <summary>Datagrams for a port with no socket.</summary>
    public long NoPorts;

    /// <summary>Datagrams not delivered for other reasons (bad length, checksum, full receive queue).</summary>
    public long InErrors;

    /// <summary>Datagrams with a bad checksum (also counted in InErrors).</summary>
    public long InCsumErrors;

    /// <summary>Datagrams dropped because the socket's receive queue was full (also counted in InErrors).</summary>
    public long RcvbufErrors;

    /// <summary>Datagrams not sent for lack of buffer or route.</summary>
    public long SndbufErrors;

    /// <summary>Datagrams sent.</summary>
    public long OutDatagrams;

    /// <summary>Publishes every counter as an observable counter named <c>{prefix}.{Name}</c> (e.g. <c>netstack.ip.InReceives</c>).</summary>
    public void Register(Meter meter, string prefix)
    {
        ArgumentNullException.ThrowIfNull(meter);
        StatisticsRegistration.Add(meter, prefix, nameof(InDatagrams), () => Interlocked.Read(ref InDatagrams));
        StatisticsRegistration.Add(meter, prefix, nameof(NoPorts), () => Interlocked.Read(ref NoPorts));
        StatisticsRegistration.Add(meter, prefix, nameof(InErrors), () => Interlocked.Read(ref InErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(InCsumErrors), () => Interlocked.Read(ref InCsumErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(RcvbufErrors), () => Interlocked.Read(ref RcvbufErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(SndbufErrors), () => Interlocked.Read(ref SndbufErrors));
        StatisticsRegistration.Add(meter, prefix, nameof(OutDatagrams), () => Interlocked.Read(ref OutDatagrams));
    }
}
