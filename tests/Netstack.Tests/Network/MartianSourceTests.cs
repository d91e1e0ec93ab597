using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>
/// RFC 1122 §3.2.1.3: sources no host may use on a link are dropped and counted (InAddrErrors), before any transport
/// sees them; the IPv6 equivalents from RFC 4291 §2.5.3 and §2.7.
/// </summary>
public class MartianSourceTests
{
    [Theory]
    [InlineData("10.9.0.1", "10.9.0.2", true)] // an ordinary neighbour
    [InlineData("0.0.0.0", "10.9.0.2", false)] // "this host" may not talk to a unicast address (§3.2.1.3(a))
    [InlineData("0.0.0.0", "255.255.255.255", true)] // a host without an address yet (DHCP DISCOVER, RFC 2131 §4.1)
    [InlineData("127.0.0.1", "10.9.0.2", false)] // loopback from a link (§3.2.1.3(g))
    [InlineData("127.3.2.1", "10.9.0.2", false)]
    [InlineData("224.0.0.5", "10.9.0.2", false)] // multicast (§3.2.1.3)
    [InlineData("255.255.255.255", "10.9.0.2", false)] // limited broadcast (§3.2.1.3(c))
    [InlineData("10.9.0.255", "10.9.0.2", false)] // this subnet's broadcast (§3.2.1.3(d))
    [InlineData("240.0.0.1", "10.9.0.2", false)] // class E, reserved (RFC 1112 §4)
    [InlineData("10.9.0.1", "127.0.0.1", false)] // loopback destination from a link (§3.2.1.3(g))
    public void Ipv4_martian_sources_are_dropped_and_counted(string source, string destination, bool delivered)
    {
        using var host = new SingleHost();
        host.Stack.AcceptAnyDestination = true; // even a forwarder, which accepts every unicast destination, drops them
        using UdpSocket socket = host.Stack.CreateUdpSocket(AddressFamily.InterNetwork);
        socket.Bind(new IPEndPoint(IPAddress.Any, 67));
        NetAddress src = NetAddress.Parse(source);
        NetAddress dst = NetAddress.Parse(destination);
        host.Deliver(SingleHost.Ipv4(src, dst, IpProtocol.Udp, SingleHost.Udp(src, dst, 67)));
        Assert.Equal(delivered ? 1 : 0, socket.Available);
        Assert.Equal(delivered ? 0 : 1, host.Statistics.Ip.InAddrErrors);
        Assert.Empty(host.TakeWritten()); // and nothing answers a martian
    }

    [Theory]
    [InlineData("fd00:9::1", "fd00:9::2", true)]
    [InlineData("ff02::1", "fd00:9::2", false)] // multicast source (RFC 4291 §2.7)
    [InlineData("::1", "fd00:9::2", false)] // loopback from a link (RFC 4291 §2.5.3)
    [InlineData("::ffff:10.9.0.1", "fd00:9::2", false)] // IPv4-mapped: only sockets use them
    [InlineData("fd00:9::1", "::1", false)] // loopback destination from a link (RFC 4291 §2.5.3)
    public void Ipv6_martian_sources_are_dropped_and_counted(string source, string destination, bool delivered)
    {
        using var host = new SingleHost();
        host.Stack.AcceptAnyDestination = true;
        using UdpSocket socket = host.Stack.CreateUdpSocket(AddressFamily.InterNetworkV6);
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
        // NetAddress.Parse unmaps ::ffff:a.b.c.d to IPv4; the wire carries the mapped form.
        NetAddress src = source.StartsWith("::ffff:", StringComparison.Ordinal)
            ? new NetAddress(((UInt128)0xFFFF << 32) | NetAddress.Parse(source[7..]).V4, true)
            : NetAddress.Parse(source);
        NetAddress dst = NetAddress.Parse(destination);
        host.Deliver(SingleHost.Ipv6(src, dst, IpProtocol.Udp, SingleHost.Udp(src, dst, 53)));
        Assert.Equal(delivered ? 1 : 0, socket.Available);
        Assert.Equal(delivered ? 0 : 1, host.Statistics.Ip6.InAddrErrors);
        Assert.Empty(host.TakeWritten());
    }
}
