using System.Diagnostics;
using System.Globalization;
using Netstack.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Netstack.Interop.Tests;

/// <summary>
/// <c>netstack run</c>'s DNS address and <c>--outbound socks5://</c> (issue 9, "Acceptance"). DNS goes to the
/// test's own resolver on the host namespace's 127.0.0.1 (named by the world's private resolv.conf, never the
/// machine's); SOCKS5 goes through real servers (microsocks for TCP, dante for UDP) on 127.0.0.1.
/// </summary>
[Collection(ForwardingWorld.Collection)]
public class RunDnsAndProxyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [RequiresRootAndTunTheory("python3", "dig", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Dig_in_the_namespace_gets_answers_from_the_test_resolver_over_UDP_and_TCP(bool v6)
    {
        using var world = new ForwardingWorld();
        Process resolver = world.StartInHost(ForwardingWorld.Python, ForwardingWorld.Script("dns_server.py"), "127.0.0.1", "53", "acceptance.test", "192.0.2.7", "2001:db8::7");
        ForwardingWorld.WaitForLine(resolver, "ready", Timeout);
        string dns = v6 ? ForwardingWorld.Dns6 : ForwardingWorld.Dns4;
        ProcessRunner.Result result = world.RunInside(output, [], "sh", "-c",
            $"echo udp-a $(dig +short +time=2 +tries=2 @{dns} acceptance.test A); " +
            $"echo tcp-aaaa $(dig +tcp +short +time=2 +tries=2 @{dns} acceptance.test AAAA); " +
            $"echo tcp4 $(dig +tcp +short +time=2 +tries=2 @{dns} acceptance.test A); " +
            // Without @: the namespace's own resolv.conf, which names the DNS address.
            "echo default $(dig +short +time=2 +tries=2 acceptance.test A); " +
            $"echo nx $(dig +time=2 +tries=2 @{dns} other.test A | grep -o 'status: [A-Z]*')");
        Assert.Equal("udp-a 192.0.2.7", ForwardingWorld.Line(result, "udp-a"));
        Assert.Equal("tcp-aaaa 2001:db8::7", ForwardingWorld.Line(result, "tcp-aaaa"));
        Assert.Equal("tcp4 192.0.2.7", ForwardingWorld.Line(result, "tcp4"));
        Assert.Equal("default 192.0.2.7", ForwardingWorld.Line(result, "default"));
        Assert.Equal("nx status: NXDOMAIN", ForwardingWorld.Line(result, "nx"));
    }

    [RequiresRootAndTunTheory("python3", "microsocks", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Tcp_goes_through_microsocks_to_the_remote_and_to_host_loopback(bool v6)
    {
        using var world = new ForwardingWorld();
        int socksPort = world.FreeHostPort(false);
        Process socks = world.StartInHost("microsocks", "-i", "127.0.0.1", "-p", socksPort.ToString(CultureInfo.InvariantCulture));
        world.WaitForHostPort(socksPort, Timeout);
        Process peer = world.StartInRemote(ForwardingWorld.Python, ForwardingWorld.Script("peer_server.py"), "tcp", v6 ? "::" : "0.0.0.0", "5102");
        ForwardingWorld.WaitForLine(peer, "ready", Timeout);
        TcpEchoServer echo = world.Own(new TcpEchoServer(world, v6));
        string remote = v6 ? ForwardingWorld.Remote6 : ForwardingWorld.Remote4;
        string gateway = v6 ? ForwardingWorld.Gateway6 : ForwardingWorld.Gateway4;

        // microsocks closes both directions at the first EOF and relays with blocking writes: the echo goes in lockstep.
        ProcessRunner.Result result = world.RunInside(output, ["--outbound", $"socks5://127.0.0.1:{socksPort}"], "sh", "-c",
            $"{ForwardingWorld.Python} {ForwardingWorld.Script("peer_client.py")} tcp {remote} 5102 && " +
            $"{ForwardingWorld.Python} {ForwardingWorld.Script("tcp_echo_client.py")} {gateway} {echo.Port} 10000000 lockstep");
        Assert.Equal("peer " + (v6 ? ForwardingWorld.HostVeth6 : ForwardingWorld.HostVeth4), ForwardingWorld.Line(result, "peer "));
        string[] sent = ForwardingWorld.Line(result, "sent ").Split(' ');
        Assert.Equal(sent[1..], ForwardingWorld.Line(result, "received ").Split(' ')[1..]);

        // The proxy carried them: with it gone, the same connection fails.
        ProcessRunner.Kill(socks);
        ProcessRunner.Result without = world.Run(Timeout, [.. ForwardingWorld.Addresses, "--outbound", $"socks5://127.0.0.1:{socksPort}", "--",
            ForwardingWorld.Python, ForwardingWorld.Script("refused_client.py"), remote, "5102"]);
        output.WriteLine("without the proxy: " + without);
        Assert.DoesNotContain("connected", without.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact("python3", "danted", "nsenter", "unshare")]
    public void Udp_goes_through_dante_to_host_loopback()
    {
        using var world = new ForwardingWorld();
        int socksPort = world.FreeHostPort(false);
        string config = Path.Combine(world.Directory.FullName, "danted.conf");
        // Clients and destinations on 127.0.0.0/8 only (the gateway stands for 127.0.0.1).
        File.WriteAllText(config, $$"""
            logoutput: stderr
            internal: 127.0.0.1 port = {{socksPort}}
            external: 127.0.0.1
            clientmethod: none
            socksmethod: none
            user.privileged: root
            user.unprivileged: nobody
            client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
            socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect udpassociate udpreply }
            socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }
            """);
        world.StartInHost("danted", "-f", config, "-p", Path.Combine(world.Directory.FullName, "danted.pid"), "-N", "1");
        world.WaitForHostPort(socksPort, Timeout);
        UdpEchoServer echo = world.Own(new UdpEchoServer(world, false));
        ProcessRunner.Result result = world.RunInside(output, ["--outbound", $"socks5://127.0.0.1:{socksPort}"],
            ForwardingWorld.Python, ForwardingWorld.Script("udp_echo_client.py"), ForwardingWorld.Gateway4, echo.Port.ToString(CultureInfo.InvariantCulture), "1", "1000", "8000");
        foreach (string size in new[] { "1", "1000", "8000" })
        {
            Assert.Contains("ok " + size + "\n", result.Output, StringComparison.Ordinal);
        }
    }
}
