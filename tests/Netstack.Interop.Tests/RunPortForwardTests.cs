using System.Diagnostics;
using System.Globalization;
using Netstack.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Netstack.Interop.Tests;

/// <summary>
/// <c>netstack run -t</c> and <c>-u</c> (issue 9, "Acceptance"): a host port reaches a server inside the namespace,
/// which sees the client's real address: a client on the host's loopback appears as the gateway, a client from the
/// remote namespace (over the veth) as its own address. IPv4 and IPv6.
/// </summary>
[Collection(ForwardingWorld.Collection)]
public class RunPortForwardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Forwarded_ports_reach_the_namespace_which_sees_the_real_client_address(bool v6)
    {
        using var world = new ForwardingWorld();
        string tcpPort = world.FreeHostPort(v6).ToString(CultureInfo.InvariantCulture);
        string udpPort = world.FreeHostPort(v6, System.Net.Sockets.SocketType.Dgram).ToString(CultureInfo.InvariantCulture);
        string server = ForwardingWorld.Python + " " + ForwardingWorld.Script("peer_server.py");
        // The namespace's servers listen dual-stack on ports other than the host's, so the mapping is exercised too.
        Process netstack = world.StartRun([.. ForwardingWorld.Addresses, "-t", tcpPort + ":8080", "-u", udpPort + ":8081", "--",
            "sh", "-c", $"{server} tcp :: 8080 & {server} udp :: 8081 & wait"]);
        ForwardingWorld.WaitForLine(netstack, "ready", Timeout);
        ForwardingWorld.WaitForLine(netstack, "ready", Timeout);

        string loopback = v6 ? "::1" : "127.0.0.1";
        string hostVeth = v6 ? ForwardingWorld.HostVeth6 : ForwardingWorld.HostVeth4;
        string gateway = v6 ? ForwardingWorld.Gateway6 : ForwardingWorld.Gateway4;
        string remote = v6 ? ForwardingWorld.Remote6 : ForwardingWorld.Remote4;
        foreach (string proto in new[] { "tcp", "udp" })
        {
            string port = proto == "tcp" ? tcpPort : udpPort;
            ProcessRunner.Result fromHost = world.RunInHost(ForwardingWorld.Python, ForwardingWorld.Script("peer_client.py"), proto, loopback, port);
            output.WriteLine($"{proto} from {loopback}: {fromHost}");
            Assert.Equal("peer " + gateway, ForwardingWorld.Line(fromHost, "peer "));
            ProcessRunner.Result fromRemote = world.RunInRemote(ForwardingWorld.Python, ForwardingWorld.Script("peer_client.py"), proto, hostVeth, port);
            output.WriteLine($"{proto} from {remote}: {fromRemote}");
            Assert.Equal("peer " + remote, ForwardingWorld.Line(fromRemote, "peer "));
        }
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_100_MB_echo_from_the_host_into_the_namespace_through_t_is_hash_checked(bool v6)
    {
        using var world = new ForwardingWorld();
        string port = world.FreeHostPort(v6).ToString(CultureInfo.InvariantCulture);
        Process netstack = world.StartRun([.. ForwardingWorld.Addresses, "-t", port + ":7007", "--",
            ForwardingWorld.Python, ForwardingWorld.Script("echo_server.py"), "::", "7007"]);
        ForwardingWorld.WaitForLine(netstack, "ready", Timeout);
        ProcessRunner.Result result = world.RunInHost(ForwardingWorld.Python, ForwardingWorld.Script("tcp_echo_client.py"), v6 ? "::1" : "127.0.0.1", port, "100000000");
        output.WriteLine(result.ToString());
        string[] sent = ForwardingWorld.Line(result, "sent ").Split(' ');
        Assert.Equal("100000000", sent[2]);
        Assert.Equal(sent[1..], ForwardingWorld.Line(result, "received ").Split(' ')[1..]);
        output.WriteLine($"100 MB echo into the namespace over IPv{(v6 ? 6 : 4)}: {ForwardingWorld.Line(result, "seconds ")}");
    }
}
