using System.Diagnostics.Metrics;
using Netstack.Offload;

namespace Netstack.Stack;

/// <summary>
/// The protocol counters of one stack (Linux <c>netstat -s</c>), incremented on the packet path. Applications read
/// them through <see cref="NetStack.GetStatistics"/> or the instruments on <see cref="NetStack.Meter"/>.
/// </summary>
internal sealed class NetStackStatistics
{
    public Ipv4Statistics Ip { get; } = new();

    public Ipv6Statistics Ip6 { get; } = new();

    public IcmpStatistics Icmp { get; } = new();

    public IcmpStatistics Icmp6 { get; } = new();

    public UdpStatistics Udp { get; } = new();

    /// <summary>Software GSO and GRO.</summary>
    public OffloadStatistics Offload { get; } = new();

    /// <summary>Publishes the IP, ICMP, UDP and offload counters (TCP registers its own when it is created).</summary>
    public void Register(Meter meter)
    {
        IpInstruments.Register(meter, Ip, Ip6);
        IcmpInstruments.Register(meter, Icmp, Icmp6);
        Udp.Register(meter);
        Offload.Register(meter);
    }
}
