using System.Net;
using System.Net.Sockets;
using Netstack.NameResolution;

namespace Netstack.Tests.NameResolution;

/// <summary>
/// <see cref="DnsResolver"/> on stack A asking <see cref="TestDnsServer"/>s on stack B: answers over UDP and TCP,
/// errors mapped as <see cref="Dns"/> maps them, timeouts and retries on a manual clock, spoofed answers ignored.
/// </summary>
public class DnsResolverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private static DnsResolver Resolver(ResolverNetwork net, int attempts = 2, int cacheSize = 0, params TestDnsServer[] servers) =>
        new(net.A, new DnsResolverOptions { Servers = [.. servers.Select(s => s.EndPoint)], Timeout = Timeout, Attempts = attempts, CacheSize = cacheSize });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Names_resolve_over_udp_to_a_server_of_either_family(bool v6Server)
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(v6Server ? ResolverNetwork.B6 : ResolverNetwork.B4);
        server.Add("some.name.test", "192.0.2.1", "192.0.2.2", "2001:db8::1");
        DnsResolver resolver = Resolver(net, servers: server);

        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2")],
            await resolver.ResolveAsync("some.name.test", AddressFamily.InterNetwork, net.Patience));
        Assert.Equal([IPAddress.Parse("2001:db8::1")], await resolver.ResolveAsync("SOME.name.test.", AddressFamily.InterNetworkV6, net.Patience));
        Assert.Equal(2, server.UdpQueries);
        Assert.Equal(0, server.TcpQueries);
    }

    [Fact]
    public async Task Both_families_come_ipv6_first_and_unroutable_addresses_last()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        // The stack has no default route: only 10.9.0.0/24 and fd00:9::/64 are reachable.
        server.Add("dual.test", "192.0.2.1", "10.9.0.7", "2001:db8::1", "fd00:9::7");
        DnsResolver resolver = Resolver(net, servers: server);
        IPAddress[] addresses = await resolver.ResolveAsync("dual.test", AddressFamily.Unspecified, net.Patience);
        Assert.Equal(["fd00:9::7", "10.9.0.7", "2001:db8::1", "192.0.2.1"], addresses.Select(a => a.ToString()));
    }

    [Fact]
    public async Task A_cname_chain_resolves_to_its_end()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        server.Aliases["www.test"] = "edge.test";
        server.Aliases["edge.test"] = "origin.test";
        server.Add("origin.test", "192.0.2.9");
        Assert.Equal([IPAddress.Parse("192.0.2.9")], await Resolver(net, servers: server).ResolveAsync("www.test", AddressFamily.InterNetwork, net.Patience));
    }

    [Fact]
    public async Task Nxdomain_is_host_not_found_and_ends_the_lookup()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer first = net.Server(ResolverNetwork.B4);
        TestDnsServer second = net.Server(ResolverNetwork.B6);
        second.Add("missing.test", "192.0.2.1"); // the second would know it, but NXDOMAIN is final
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await Resolver(net, servers: [first, second]).ResolveAsync("missing.test", AddressFamily.InterNetwork, net.Patience));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
        Assert.Equal(1, first.UdpQueries);
        Assert.Equal(0, second.UdpQueries);
    }

    [Fact]
    public async Task A_name_without_addresses_of_the_family_is_host_not_found()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        server.Add("v4only.test", "192.0.2.1");
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await Resolver(net, servers: server).ResolveAsync("v4only.test", AddressFamily.InterNetworkV6, net.Patience));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
    }

    [Fact]
    public async Task Servfail_moves_on_to_the_next_server()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer failing = net.Server(ResolverNetwork.B4);
        failing.ForcedResponseCode = 2;
        TestDnsServer working = net.Server(ResolverNetwork.B6);
        working.Add("host.test", "192.0.2.5");
        Assert.Equal([IPAddress.Parse("192.0.2.5")], await Resolver(net, servers: [failing, working]).ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience));
        Assert.Equal(1, failing.UdpQueries);
    }

    [Fact]
    public async Task Servfail_everywhere_is_try_again_after_every_attempt()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer one = net.Server(ResolverNetwork.B4);
        TestDnsServer two = net.Server(ResolverNetwork.B6);
        one.ForcedResponseCode = two.ForcedResponseCode = 2;
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await Resolver(net, attempts: 3, servers: [one, two]).ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience));
        Assert.Equal(SocketError.TryAgain, e.SocketErrorCode);
        Assert.Equal(3, one.UdpQueries);
        Assert.Equal(3, two.UdpQueries);
    }

    [Fact]
    public async Task A_silent_server_times_out_on_the_stack_clock_and_the_next_one_answers()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer silent = net.Server(ResolverNetwork.B4);
        silent.Silent = true;
        TestDnsServer working = net.Server(ResolverNetwork.B6);
        working.Add("host.test", "192.0.2.5");
        Task arrived = silent.QueryArrived;
        Task<IPAddress[]> lookup = Resolver(net, servers: [silent, working]).ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience).AsTask();
        await arrived.WaitAsync(net.Patience);
        net.Clock.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        await Task.Delay(20, net.Patience); // the link's threads run: still no answer, the clock has not reached the timeout
        Assert.False(lookup.IsCompleted);
        Assert.Equal(0, working.UdpQueries);
        net.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([IPAddress.Parse("192.0.2.5")], await lookup.WaitAsync(net.Patience));
        Assert.Equal(1, working.UdpQueries);
    }

    [Fact]
    public async Task No_answer_from_anyone_is_try_again_after_attempts_rounds()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer one = net.Server(ResolverNetwork.B4);
        TestDnsServer two = net.Server(ResolverNetwork.B6);
        one.Silent = two.Silent = true;
        Task<IPAddress[]> lookup = Resolver(net, attempts: 2, servers: [one, two]).ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience).AsTask();
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => net.AdvanceUntil(lookup, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(SocketError.TryAgain, e.SocketErrorCode);
        Assert.Equal(2, one.UdpQueries);
        Assert.Equal(2, two.UdpQueries);
    }

    [Fact]
    public async Task A_closed_port_answers_with_icmp_and_the_next_server_is_asked_without_waiting()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer working = net.Server(ResolverNetwork.B6);
        working.Add("host.test", "192.0.2.5");
        var options = new DnsResolverOptions { Servers = [new IPEndPoint(ResolverNetwork.B4, 5353), working.EndPoint], Timeout = Timeout, CacheSize = 0 };
        // The clock never moves: only the port unreachable can end the first exchange.
        Assert.Equal([IPAddress.Parse("192.0.2.5")], await new DnsResolver(net.A, options).ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience));
        Assert.Equal(1, net.B.GetStatistics().Udp.NoPorts);
    }

    [Fact]
    public async Task A_truncated_udp_answer_is_asked_again_over_tcp()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        server.TruncateUdp = true;
        string[] many = [.. Enumerable.Range(1, 60).Select(i => $"198.51.100.{i}")]; // 60 records: more than 512 octets
        server.Add("big.test", many);
        IPAddress[] addresses = await Resolver(net, servers: server).ResolveAsync("big.test", AddressFamily.InterNetwork, net.Patience);
        Assert.Equal(many, addresses.Select(a => a.ToString()));
        Assert.Equal(1, server.UdpQueries);
        Assert.Equal(1, server.TcpQueries);
    }

    [Fact]
    public async Task A_spoofed_answer_with_another_id_is_ignored()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        server.SpoofFirst = true;
        server.Add("host.test", "192.0.2.5");
        Assert.Equal([IPAddress.Parse("192.0.2.5")], await Resolver(net, servers: server).ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience));
    }

    [Fact]
    public async Task Answers_are_cached_for_their_ttl_on_the_stack_clock()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        server.Ttl = 30;
        server.Add("host.test", "192.0.2.5");
        DnsResolver resolver = Resolver(net, cacheSize: 16, servers: server);
        await resolver.ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience);
        await resolver.ResolveAsync("HOST.test.", AddressFamily.InterNetwork, net.Patience);
        Assert.Equal(1, server.UdpQueries);
        net.Clock.Advance(TimeSpan.FromSeconds(30));
        await resolver.ResolveAsync("host.test", AddressFamily.InterNetwork, net.Patience);
        Assert.Equal(2, server.UdpQueries);
    }

    [Fact]
    public async Task Ip_literals_and_invalid_names_never_reach_a_server()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        DnsResolver resolver = Resolver(net, servers: server);
        Assert.Equal([IPAddress.Parse("fd00::1")], await resolver.ResolveAsync("[fd00::1]", AddressFamily.Unspecified, net.Patience));
        Assert.Equal([IPAddress.Parse("10.1.2.3")], await resolver.ResolveAsync("10.1.2.3", AddressFamily.InterNetwork, net.Patience));
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await resolver.ResolveAsync("bad name.test", AddressFamily.Unspecified, net.Patience));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
        Assert.Equal(0, server.UdpQueries);
    }

    [Fact]
    public async Task Cancellation_ends_a_lookup_waiting_for_a_silent_server()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer server = net.Server(ResolverNetwork.B4);
        server.Silent = true;
        using var cancel = new CancellationTokenSource();
        Task arrived = server.QueryArrived;
        Task<IPAddress[]> lookup = Resolver(net, servers: server).ResolveAsync("host.test", AddressFamily.InterNetwork, cancel.Token).AsTask();
        await arrived.WaitAsync(net.Patience);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup.WaitAsync(net.Patience));
    }

    [Fact]
    public void Options_are_checked()
    {
        using var stack = new Netstack.Stack.NetStack();
        Assert.Throws<ArgumentException>(() => new DnsResolver(stack, new DnsResolverOptions()));
        Assert.ThrowsAny<ArgumentException>(() => new DnsResolver(stack, new DnsResolverOptions { Servers = [new IPEndPoint(IPAddress.Loopback, 53)], Attempts = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => new DnsResolver(stack, new DnsResolverOptions { Servers = [new IPEndPoint(IPAddress.Loopback, 53)], Timeout = TimeSpan.Zero }));
        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.9.0.2"), 53)], new DnsResolver(stack, IPAddress.Parse("10.9.0.2")).Servers);
    }
}
