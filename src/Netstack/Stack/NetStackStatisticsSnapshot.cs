using Netstack.Offload;
using Netstack.Transport.Tcp;

namespace Netstack.Stack;

/// <summary>
/// Every protocol counter of one stack at one moment (Linux <c>netstat -s</c>), from
/// <see cref="NetStack.GetStatistics"/>. The same counters are published as instruments on
/// <see cref="NetStack.Meter"/>.
/// </summary>
public sealed class NetStackStatisticsSnapshot
{
    internal NetStackStatisticsSnapshot(NetStackStatistics counters, TcpStatistics? tcp)
    {
        Ip = new Ipv4StatisticsSnapshot(counters.Ip);
        Ip6 = new Ipv6StatisticsSnapshot(counters.Ip6);
        Icmp = new IcmpStatisticsSnapshot(counters.Icmp);
        Icmp6 = new IcmpStatisticsSnapshot(counters.Icmp6);
        Udp = new UdpStatisticsSnapshot(counters.Udp);
        Tcp = tcp is null ? default : new TcpStatisticsSnapshot(tcp);
        Offload = new OffloadStatisticsSnapshot(counters.Offload);
    }

    /// <summary>IPv4 (Linux <c>Ip:</c> and <c>IpExt:</c>).</summary>
    public Ipv4StatisticsSnapshot Ip { get; }

    /// <summary>IPv6 (Linux <c>Ip6*</c> in <c>/proc/net/snmp6</c>).</summary>
    public Ipv6StatisticsSnapshot Ip6 { get; }

    /// <summary>ICMP for IPv4 (Linux <c>Icmp:</c>).</summary>
    public IcmpStatisticsSnapshot Icmp { get; }

    /// <summary>ICMPv6 (Linux <c>Icmp6*</c>).</summary>
    public IcmpStatisticsSnapshot Icmp6 { get; }

    /// <summary>UDP over both families (Linux <c>Udp:</c>).</summary>
    public UdpStatisticsSnapshot Udp { get; }

    /// <summary>
    /// TCP over both families (Linux <c>Tcp:</c> and <c>TcpExt:</c>); all zero when the stack's own TCP is not
    /// registered (<see cref="NetStackOptions.EnableTcp"/>).
    /// </summary>
    public TcpStatisticsSnapshot Tcp { get; }

    /// <summary>Software GSO and GRO.</summary>
    public OffloadStatisticsSnapshot Offload { get; }
}
