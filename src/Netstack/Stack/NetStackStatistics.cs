using System.Diagnostics.Metrics;
using Netstack.Offload;

namespace Netstack.Stack;

/// <summary>All protocol counters of one stack (Linux <c>netstat -s</c>), also published on <see cref="NetStack.Meter"/>.</summary>
public sealed class NetStackStatistics
{
    public Ipv4Statistics Ip { get; } = new();

    public Ipv6Statistics Ip6 { get; } = new();

    public IcmpStatistics Icmp { get; } = new();

    public IcmpStatistics Icmp6 { get; } = new();

    public UdpStatistics Udp { get; } = new();

    /// <summary>Software GSO and GRO.</summary>
    public OffloadStatistics Offload { get; } = new();

    internal void Register(Meter meter)
    {
        Ip.Register(meter, "netstack.ip");
        Ip6.Register(meter, "netstack.ip6");
        Icmp.Register(meter, "netstack.icmp");
        Icmp6.Register(meter, "netstack.icmp6");
        Udp.Register(meter, "netstack.udp");
        Offload.Register(meter, "netstack.offload");
    }
}
