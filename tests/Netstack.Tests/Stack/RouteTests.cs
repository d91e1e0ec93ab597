using System.Net;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

public class RouteTests
{
    private sealed class NullLink(int mtu) : ILinkEndpoint
    {
        public int Mtu => mtu;
        public int LinkHeaderLength => 0;
        public LinkCapabilities Capabilities => LinkCapabilities.None;
        public int GsoMaxSize => mtu;
        public void Attach(INetworkDispatcher dispatcher) { }
        public void WritePackets(PacketBatch batch) => batch.ReleaseAll();
        public void Dispose() { }
    }

    [Fact]
    public void Longest_prefix_wins_and_default_route_catches_the_rest()
    {
        using var stack = new NetStack();
        int eth = stack.AddInterface(new NullLink(1500), "10.9.0.2/24", "fd00:9::2/64");
        int tun = stack.AddInterface(new NullLink(9000), "10.9.1.2/24");
        stack.AddRoute(IPNetwork.Parse("0.0.0.0/0"), eth, IPAddress.Parse("10.9.0.1"));
        stack.AddRoute(IPNetwork.Parse("10.9.0.128/25"), tun);
        stack.AddRoute(IPNetwork.Parse("::/0"), eth, IPAddress.Parse("fd00:9::1"));

        Assert.True(stack.TryFindRoute(NetAddress.Parse("10.9.0.7"), out RouteInfo r));
        Assert.Equal((eth, NetAddress.Parse("10.9.0.2"), NetAddress.Parse("10.9.0.7"), 1500), (r.InterfaceId, r.LocalAddress, r.NextHop, r.Mtu));

        Assert.True(stack.TryFindRoute(NetAddress.Parse("10.9.0.200"), out r));
        Assert.Equal((tun, NetAddress.Parse("10.9.1.2"), 9000), (r.InterfaceId, r.LocalAddress, r.Mtu));

        Assert.True(stack.TryFindRoute(NetAddress.Parse("192.0.2.1"), out r));
        Assert.Equal((eth, NetAddress.Parse("10.9.0.2"), NetAddress.Parse("10.9.0.1")), (r.InterfaceId, r.LocalAddress, r.NextHop));

        Assert.True(stack.TryFindRoute(NetAddress.Parse("2001:db8::1"), out r));
        Assert.Equal((eth, NetAddress.Parse("fd00:9::2"), NetAddress.Parse("fd00:9::1")), (r.InterfaceId, r.LocalAddress, r.NextHop));
    }

    [Fact]
    public void No_route_without_a_default()
    {
        using var stack = new NetStack();
        stack.AddInterface(new NullLink(1500), "10.9.0.2/24");
        Assert.False(stack.TryFindRoute(NetAddress.Parse("10.9.5.1"), out _));
        Assert.False(stack.TryFindRoute(NetAddress.Parse("fd00:9::1"), out _));
        Assert.True(stack.IsLocalAddress(NetAddress.Parse("10.9.0.2")));
    }

    [Fact]
    public void IPNetwork_that_lost_its_host_bits_is_rejected()
    {
        using var stack = new NetStack();
        Assert.Throws<ArgumentException>(() => stack.AddInterface(new NullLink(1500), IPNetwork.Parse("10.9.0.2/24")));
        int id = stack.AddInterface(new NullLink(1500), new IPNetwork(IPAddress.Parse("10.9.0.2"), 32));
        Assert.True(stack.TryFindRoute(NetAddress.Parse("10.9.0.2"), out RouteInfo r));
        Assert.Equal(id, r.InterfaceId);
    }
}
