using Netstack.Cli.Run;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli.Tests;

/// <summary><c>netstack run</c>/<c>attach</c> options: defaults, address planning, SPECs, the round trip through arguments, and every bad input (one line, exit 2).</summary>
public class RunOptionsTests
{
    private static RunOptions Parse(params string[] args) => RunOptionSet.Parse(args, []);

    [Fact]
    public void Defaults_AreSlirp4netnsAddressesAndDocumentedLimits()
    {
        RunOptions o = Parse();
        Assert.Equal(InterfaceAddress.Parse("10.0.2.100/24"), o.Addresses.Address4);
        Assert.Equal(NetAddress.Parse("10.0.2.2"), o.Addresses.Gateway4);
        Assert.Equal(NetAddress.Parse("10.0.2.3"), o.Addresses.Dns4);
        Assert.Equal(InterfaceAddress.Parse("fd00::100/64"), o.Addresses.Address6);
        Assert.Equal(NetAddress.Parse("fd00::2"), o.Addresses.Gateway6);
        Assert.Equal(NetAddress.Parse("fd00::3"), o.Addresses.Dns6);
        Assert.Equal(65520, o.Mtu);
        Assert.Equal(TimeSpan.FromSeconds(180), o.UdpTimeout);
        Assert.Equal(65536, o.MaxFlows);
        Assert.Equal(1024, o.MaxPendingDials);
        Assert.Equal(1, o.Queues);
        Assert.True(o.MapGateway);
        Assert.True(o.PeekOffset);
        Assert.Null(o.Outbound);
        Assert.Null(o.PcapPath);
        Assert.Equal(Verbosity.Normal, o.Verbosity);
        Assert.Empty(o.Command);
        Assert.False(o.NeedsPrivilegedPorts);
    }

    [Theory]
    [InlineData("10.0.2.15/24")] // a host address in the default IPv4 subnet
    [InlineData("10.0.2.0/23")] // a route that covers it
    [InlineData("fd00::2/64")] // the default IPv6 subnet
    public void Defaults_MoveToTheNextFreeSubnetWhenTheHostOverlaps(string hostPrefix)
    {
        RunOptions o = RunOptionSet.Parse([], [InterfaceAddress.Parse(hostPrefix)]);
        int n = hostPrefix == "10.0.2.0/23" ? 4 : 3;
        Assert.Equal(InterfaceAddress.Parse($"10.0.{n}.100/24"), o.Addresses.Address4);
        Assert.Equal(NetAddress.Parse($"10.0.{n}.2"), o.Addresses.Gateway4);
        Assert.Equal(InterfaceAddress.Parse($"fd00:{n}::100/64"), o.Addresses.Address6);
        Assert.Equal(NetAddress.Parse($"fd00:{n}::3"), o.Addresses.Dns6);
    }

    [Fact]
    public void Defaults_AllSubnetsTaken_FailsWithOneLine() // every 10.0.N.0/24 lies in a host /16
    {
        var e = Assert.Throws<CommandFailedException>(() => RunOptionSet.Parse([], [InterfaceAddress.Parse("10.0.0.0/16")]));
        Assert.Equal(ExitCodes.Failure, e.ExitCode);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("10.0.2.0/24", "10.0.2.15/24", true)]
    [InlineData("10.0.2.0/24", "10.0.0.0/8", true)]
    [InlineData("10.0.2.0/24", "10.0.3.1/32", false)]
    [InlineData("10.0.2.0/24", "fd00::/64", false)]
    [InlineData("fd00::/64", "fd00::2/128", true)]
    [InlineData("fd00::/64", "fd00:1::/64", false)]
    public void Overlaps_WhenTheShorterPrefixContainsTheOther(string a, string b, bool expected)
    {
        Assert.Equal(expected, HostNetworks.Overlaps(InterfaceAddress.Parse(a), InterfaceAddress.Parse(b)));
        Assert.Equal(expected, HostNetworks.Overlaps(InterfaceAddress.Parse(b), InterfaceAddress.Parse(a)));
    }

    [Fact]
    public void HostNetworks_IncludeLoopbackAndNoDefaultRoute()
    {
        IReadOnlyList<InterfaceAddress> host = HostNetworks.Read();
        Assert.Contains(host, p => p.Address == NetAddress.Parse("127.0.0.1"));
        Assert.DoesNotContain(host, p => p.PrefixLength == 0);
    }

    [Fact]
    public void Address_GivenForOneFamily_DerivesGatewayAndDnsAndKeepsTheOtherDefault()
    {
        RunOptions o = Parse("--address", "192.168.7.10/24");
        Assert.Equal(InterfaceAddress.Parse("192.168.7.10/24"), o.Addresses.Address4);
        Assert.Equal(NetAddress.Parse("192.168.7.2"), o.Addresses.Gateway4);
        Assert.Equal(NetAddress.Parse("192.168.7.3"), o.Addresses.Dns4);
        Assert.Equal(InterfaceAddress.Parse("fd00::100/64"), o.Addresses.Address6);

        RunOptions skip = Parse("--address", "192.168.7.2/24", "--address", "fd07::3/64");
        Assert.Equal(NetAddress.Parse("192.168.7.3"), skip.Addresses.Gateway4); // .2 is the namespace's own
        Assert.Equal(NetAddress.Parse("192.168.7.4"), skip.Addresses.Dns4);
        Assert.Equal(NetAddress.Parse("fd07::2"), skip.Addresses.Gateway6);
        Assert.Equal(NetAddress.Parse("fd07::4"), skip.Addresses.Dns6);
    }

    [Fact]
    public void GatewayAndDns_Override()
    {
        RunOptions o = Parse("--address", "10.9.0.5/24", "--gateway", "10.9.0.1", "--gateway", "fd00::1", "--dns-forward", "10.9.0.53", "--dns-forward", "fd00::53");
        Assert.Equal(NetAddress.Parse("10.9.0.1"), o.Addresses.Gateway4);
        Assert.Equal(NetAddress.Parse("fd00::1"), o.Addresses.Gateway6);
        Assert.Equal(NetAddress.Parse("10.9.0.53"), o.Addresses.Dns4);
        Assert.Equal(NetAddress.Parse("fd00::53"), o.Addresses.Dns6);
        Assert.Equal([InterfaceAddress.Parse("10.9.0.1/24"), InterfaceAddress.Parse("fd00::1/64")], o.Addresses.GatewayInterfaceAddresses());
        Assert.Equal(2, o.Addresses.Describe().Count());
    }

    [Theory]
    [InlineData("8080", null, 8080, 8080, 8080, 8080)]
    [InlineData("8080-8090", null, 8080, 8090, 8080, 8090)]
    [InlineData("80:8080", null, 80, 80, 8080, 8080)]
    [InlineData("127.0.0.1/5000-5001:6000-6001", "127.0.0.1", 5000, 5001, 6000, 6001)]
    [InlineData("::1/53", "::1", 53, 53, 53, 53)]
    [InlineData("[::1]/53:5353", "::1", 53, 53, 5353, 5353)]
    public void Spec_Parses(string text, string? address, int hostFirst, int hostLast, int nsFirst, int nsLast)
    {
        Assert.True(PortForwardSpec.TryParse(text, out PortForwardSpec? spec, out string? error), error);
        Assert.Equal(address, spec!.Address?.ToString());
        Assert.Equal((hostFirst, hostLast, nsFirst, nsLast), (spec.HostFirst, spec.HostLast, spec.NamespaceFirst, spec.NamespaceLast));
        Assert.True(PortForwardSpec.TryParse(spec.ToString(), out PortForwardSpec? again, out _));
        Assert.Equal(spec, again);
    }

    [Fact]
    public void Options_AllParsed_AndRoundTripThroughArguments()
    {
        RunOptions o = Parse(
            "--mtu", "1500", "--address", "10.9.0.5/24", "--address", "fd09::5/64", "--no-map-gw", "--udp-timeout", "30",
            "--max-flows", "100", "--max-pending-dials", "10", "-t", "80", "-t", "127.0.0.1/8000-8001:9000-9001", "-u", "[::1]/53:5353",
            "--outbound", "socks5://[::1]:1080", "--pcap", "/tmp/x.pcap", "--queues", "2", "--no-peek-off", "--verbose", "--", "sh", "-c", "exit 7");
        Assert.Equal(1500, o.Mtu);
        Assert.False(o.MapGateway);
        Assert.Equal(TimeSpan.FromSeconds(30), o.UdpTimeout);
        Assert.Equal(100, o.MaxFlows);
        Assert.Equal(10, o.MaxPendingDials);
        Assert.Equal(2, o.TcpForwards.Count);
        Assert.Single(o.UdpForwards);
        Assert.Equal(new OutboundProxy("::1", 1080), o.Outbound);
        Assert.Equal("/tmp/x.pcap", o.PcapPath);
        Assert.Equal(2, o.Queues);
        Assert.False(o.PeekOffset);
        Assert.Equal(Verbosity.Verbose, o.Verbosity);
        Assert.Equal(["sh", "-c", "exit 7"], o.Command);
        Assert.True(o.NeedsPrivilegedPorts);

        RunOptions again = RunOptionSet.Parse([.. o.ToArguments()], []);
        Assert.Equal(o.ToArguments(), again.ToArguments());
        Assert.Equal(o.Addresses, again.Addresses);
        Assert.Equal(o.TcpForwards, again.TcpForwards);
        Assert.Equal(o.Outbound, again.Outbound);
    }

    [Fact]
    public void Command_WithoutDashDash_IsTheArgument()
    {
        Assert.Equal(["true"], Parse("--mtu", "9000", "true").Command);
    }

    [Theory]
    // SPECs
    [InlineData("-t", "")]
    [InlineData("-t", "0")]
    [InlineData("-t", "65536")]
    [InlineData("-t", "80-79")]
    [InlineData("-t", "80:90-91")]
    [InlineData("-t", "80-81:90")]
    [InlineData("-t", "a/80")]
    [InlineData("-t", "80:90:100")]
    [InlineData("-t", "1.2.3.4/")]
    [InlineData("-t", "80-")]
    [InlineData("-t", "fe80::1%eth0/80")]
    [InlineData("-u", "x")]
    [InlineData("-u", "::1:53")]
    // CIDRs and addresses
    [InlineData("--address", "10.0.0.1")]
    [InlineData("--address", "10.0.0.1/33")]
    [InlineData("--address", "fd00::1/129")]
    [InlineData("--address", "x/24")]
    [InlineData("--gateway", "1.2.3")]
    [InlineData("--gateway", "10.0.0.1/24")]
    [InlineData("--dns-forward", "dns.example")]
    // URLs
    [InlineData("--outbound", "socks5://host")]
    [InlineData("--outbound", "http://host:1080")]
    [InlineData("--outbound", "socks5://user@host:1080")]
    [InlineData("--outbound", "socks5://host:1080/path")]
    [InlineData("--outbound", "socks5://host:0")]
    [InlineData("--outbound", "not a url")]
    // Numbers
    [InlineData("--mtu", "1000")]
    [InlineData("--mtu", "70000")]
    [InlineData("--mtu", "x")]
    [InlineData("--udp-timeout", "0")]
    [InlineData("--udp-timeout", "-5")]
    [InlineData("--max-flows", "0")]
    [InlineData("--max-pending-dials", "0")]
    [InlineData("--queues", "0")]
    [InlineData("--queues", "17")]
    public void BadValue_IsOneLineAndExit2(string option, string value)
    {
        AssertUsage(CliRunner.RunInProcess("run", option, value, "--", "true"));
    }

    [Theory]
    [InlineData("--address", "10.0.0.1/24", "--address", "10.0.1.1/24")] // two IPv4 addresses
    [InlineData("--address", "fd00::1/64", "--address", "fd01::1/64")] // two IPv6 addresses
    [InlineData("--address", "10.0.0.1/24", "--gateway", "10.0.1.1")] // gateway outside the prefix
    [InlineData("--address", "10.0.0.1/24", "--gateway", "10.0.0.1")] // gateway = the namespace's address
    [InlineData("--gateway", "10.0.2.2", "--gateway", "10.0.2.4")] // two IPv4 gateways
    [InlineData("--address", "10.0.0.1/31", "--mtu", "1500")] // no room for gateway and DNS
    [InlineData("--address", "10.0.0.0/24", "--mtu", "1500")] // the network address
    [InlineData("--dns-forward", "127.0.0.1", "--mtu", "1500")] // loopback DNS inside
    [InlineData("--quiet", "--verbose", "--mtu", "1500")]
    public void Contradiction_IsOneLineAndExit2(string a, string b, string c, string d)
    {
        AssertUsage(CliRunner.RunInProcess("run", a, b, c, d, "--", "true"));
    }

    [Theory]
    [InlineData("attach")]
    [InlineData("attach", "--netns", "/run/netns/x", "--pid", "1")]
    [InlineData("attach", "--pid", "0")]
    [InlineData("attach", "--pid", "x")]
    [InlineData("attach", "--netns", "/run/netns/x", "extra")]
    [InlineData("run", "--no-such-option")]
    public void BadAttachOrUnknownOption_IsOneLineAndExit2(params string[] args)
    {
        AssertUsage(CliRunner.RunInProcess(args));
    }

    [Fact]
    public void Help_ListsRunAndAttachButNotTheInternalModes()
    {
        CliRunner.Result result = CliRunner.RunInProcess("--help");
        Assert.Contains("run", result.Output, StringComparison.Ordinal);
        Assert.Contains("attach", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("__", result.Output, StringComparison.Ordinal);
    }

    private static void AssertUsage(CliRunner.Result result)
    {
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("netstack: ", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }
}
