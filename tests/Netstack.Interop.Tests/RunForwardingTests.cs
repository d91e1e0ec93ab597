using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Netstack.Interop.Tests;

/// <summary>
/// Acceptance of <c>netstack run</c>'s forwarding against the real kernel and real programs (issue 9, "Acceptance").
/// Each test builds a <see cref="ForwardingWorld"/>: netstack runs in a "host" namespace of the test's own, whose
/// loopback stands for the host's, joined by a veth pair to a "remote" namespace; the namespace inside netstack
/// only ever talks to the gateway, the DNS address or the remote's addresses, so no traffic leaves the namespaces
/// the test created. Each network test runs for IPv4 and IPv6. Measured numbers go to the test output.
/// </summary>
[Collection(ForwardingWorld.Collection)]
public class RunForwardingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static string Gateway(bool v6) => v6 ? ForwardingWorld.Gateway6 : ForwardingWorld.Gateway4;

    private static string Remote(bool v6) => v6 ? ForwardingWorld.Remote6 : ForwardingWorld.Remote4;

    private static string HostVeth(bool v6) => v6 ? ForwardingWorld.HostVeth6 : ForwardingWorld.HostVeth4;

    private static string Loopback(bool v6) => v6 ? "::1" : "127.0.0.1";

    private ProcessRunner.Result RunInside(ForwardingWorld world, params string[] command) => world.RunInside(output, [], command);

    private static string Script(string name) => ForwardingWorld.Script(name);

    private static string Line(ProcessRunner.Result result, string prefix) => ForwardingWorld.Line(result, prefix);

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_100_MB_TCP_echo_through_the_gateway_to_host_loopback_is_hash_checked(bool v6)
    {
        using var world = new ForwardingWorld();
        TcpEchoServer echo = world.Own(new TcpEchoServer(world, v6));
        const int Count = 100 * 1000 * 1000;
        ProcessRunner.Result result = RunInside(world, ForwardingWorld.Python, Script("tcp_echo_client.py"),
            Gateway(v6), echo.Port.ToString(CultureInfo.InvariantCulture), Count.ToString(CultureInfo.InvariantCulture));
        string[] sent = Line(result, "sent ").Split(' ');
        string[] received = Line(result, "received ").Split(' ');
        Assert.Equal(Count.ToString(CultureInfo.InvariantCulture), sent[2]);
        Assert.Equal(sent[1..], received[1..]);
        output.WriteLine($"100 MB echo over IPv{(v6 ? 6 : 4)}: {Line(result, "seconds ")}");
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void UDP_through_the_gateway_to_host_loopback_echoes_datagrams_up_to_8000_bytes(bool v6)
    {
        using var world = new ForwardingWorld();
        UdpEchoServer echo = world.Own(new UdpEchoServer(world, v6));
        ProcessRunner.Result result = RunInside(world, ForwardingWorld.Python, Script("udp_echo_client.py"),
            Gateway(v6), echo.Port.ToString(CultureInfo.InvariantCulture), "1", "512", "1472", "4000", "8000");
        foreach (string size in new[] { "1", "512", "1472", "4000", "8000" })
        {
            Assert.Contains("ok " + size + "\n", result.Output, StringComparison.Ordinal);
        }
    }

    [RequiresRootAndTunTheory("ping", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Ping_reaches_the_gateway_and_the_remote_namespace(bool v6)
    {
        using var world = new ForwardingWorld();
        string ping = v6 ? "ping -6" : "ping -4";
        ProcessRunner.Result result = RunInside(world, "sh", "-c",
            $"{ping} -c2 -W3 {Gateway(v6)} && echo GATEWAY-OK; {ping} -c2 -W5 {Remote(v6)} && echo REMOTE-OK");
        Assert.Contains("GATEWAY-OK", result.Output, StringComparison.Ordinal);
        Assert.Contains("REMOTE-OK", result.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void The_remote_namespace_sees_the_host_address_as_the_source(bool v6)
    {
        using var world = new ForwardingWorld();
        string bind = v6 ? "::" : "0.0.0.0";
        Process tcp = world.StartInRemote(ForwardingWorld.Python, Script("peer_server.py"), "tcp", bind, "5101");
        Process udp = world.StartInRemote(ForwardingWorld.Python, Script("peer_server.py"), "udp", bind, "5101");
        ForwardingWorld.WaitForLine(tcp, "ready", Timeout);
        ForwardingWorld.WaitForLine(udp, "ready", Timeout);
        string client = ForwardingWorld.Python + " " + Script("peer_client.py");
        ProcessRunner.Result result = RunInside(world, "sh", "-c",
            $"echo tcp $({client} tcp {Remote(v6)} 5101); echo udp $({client} udp {Remote(v6)} 5101)");
        Assert.Equal("tcp peer " + HostVeth(v6), Line(result, "tcp "));
        Assert.Equal("udp peer " + HostVeth(v6), Line(result, "udp "));
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_closed_port_is_refused_at_once(bool v6)
    {
        using var world = new ForwardingWorld();
        int port = world.FreeHostPort(v6);
        ProcessRunner.Result result = RunInside(world, ForwardingWorld.Python, Script("refused_client.py"), Gateway(v6), port.ToString(CultureInfo.InvariantCulture));
        string line = Line(result, "refused ");
        output.WriteLine($"IPv{(v6 ? 6 : 4)} connection refused after {line[8..]} s");
        Assert.True(double.Parse(line[8..], CultureInfo.InvariantCulture) < 2, line);
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Half_close_works_both_ways(bool v6)
    {
        using var world = new ForwardingWorld();
        Socket listener = world.Own(world.HostSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        listener.Listen(4);
        Task<string> server = Task.Run(() =>
        {
            // 1. The namespace half-closes first: read to its FIN, then answer and close.
            using (Socket a = listener.Accept())
            {
                a.ReceiveTimeout = (int)Timeout.TotalMilliseconds; // a safety net: a lost FIN fails the test, no thread hangs
                string first = ReadToEnd(a);
                a.Send(Encoding.ASCII.GetBytes("after-your-fin:" + first));
                a.Shutdown(SocketShutdown.Send);
            }
            // 2. The host half-closes first: the namespace still sends after our FIN.
            using Socket b = listener.Accept();
            b.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
            b.Send("hello"u8);
            b.Shutdown(SocketShutdown.Send);
            return ReadToEnd(b);
        });
        ProcessRunner.Result result = RunInside(world, ForwardingWorld.Python, Script("half_close_client.py"), Gateway(v6), ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture));
        Assert.True(server.Wait(Timeout), "the host side did not finish");
        Assert.Equal("first after-your-fin:from-ns", Line(result, "first "));
        Assert.Equal("second hello", Line(result, "second "));
        Assert.Equal("after-eof", server.Result);
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_process_killed_in_the_namespace_ends_the_host_connection(bool v6)
    {
        using var world = new ForwardingWorld();
        Socket listener = world.Own(world.HostSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        listener.Listen(4);
        // The command outlives the killed client, so netstack's own exit cannot be what closes the connection.
        world.StartRun([.. ForwardingWorld.Addresses, "--", "sh", "-c",
            $"{ForwardingWorld.Python} {Script("kill_self_client.py")} {Gateway(v6)} {((IPEndPoint)listener.LocalEndPoint!).Port}; sleep 30"]);
        Task<Socket> accept = listener.AcceptAsync();
        Assert.True(accept.Wait(Timeout), "the namespace never connected");
        using Socket connection = accept.Result;
        connection.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        Assert.Equal("ready\n", ReadLine(connection));

        connection.ReceiveTimeout = 10_000;
        connection.ReceiveTimeout = 5000; // a connection still open after that fails the receive with TimedOut
        var watch = Stopwatch.StartNew();
        connection.Send("k"u8); // the client kills itself on this byte
        string how;
        try
        {
            how = connection.Receive(new byte[64]) == 0 ? "eof" : "data";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            how = "reset";
        }
        watch.Stop();
        output.WriteLine($"IPv{(v6 ? 6 : 4)} namespace process killed: host connection ended ({how}) after {watch.Elapsed.TotalMilliseconds:F1} ms");
        Assert.NotEqual("data", how);
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_host_process_killed_ends_the_namespace_connection(bool v6)
    {
        using var world = new ForwardingWorld();
        int port = world.FreeHostPort(v6);
        Process server = world.StartInHost(ForwardingWorld.Python, Script("kill_self_server.py"), Loopback(v6), port.ToString(CultureInfo.InvariantCulture));
        ForwardingWorld.WaitForLine(server, "ready", Timeout);
        ProcessRunner.Result result = RunInside(world, ForwardingWorld.Python, Script("kill_watch_client.py"), Gateway(v6), port.ToString(CultureInfo.InvariantCulture));
        string[] closed = Line(result, "closed ").Split(' ');
        output.WriteLine($"IPv{(v6 ? 6 : 4)} host process killed: namespace connection ended ({closed[2]}) after {closed[1]} s");
        Assert.True(double.Parse(closed[1], CultureInfo.InvariantCulture) < 5, string.Join(' ', closed));
    }

    [RequiresRootAndTunTheory("python3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_thousand_concurrent_connections_are_all_verified(bool v6)
    {
        using var world = new ForwardingWorld();
        TcpEchoServer echo = world.Own(new TcpEchoServer(world, v6));
        var watch = Stopwatch.StartNew();
        ProcessRunner.Result result = RunInside(world, ForwardingWorld.Python, Script("many_connections.py"), Gateway(v6), echo.Port.ToString(CultureInfo.InvariantCulture), "1000");
        output.WriteLine($"IPv{(v6 ? 6 : 4)} 1,000 connections: {watch.Elapsed.TotalSeconds:F2} s including netstack's start");
        Assert.Equal("opened 1000", Line(result, "opened "));
        Assert.Equal("verified 1000", Line(result, "verified "));
        Assert.Equal(1000, echo.Accepted);
    }

    private static string ReadToEnd(Socket socket)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static string ReadLine(Socket socket)
    {
        var text = new StringBuilder();
        byte[] one = new byte[1];
        while (socket.Receive(one) == 1)
        {
            text.Append((char)one[0]);
            if (one[0] == '\n')
            {
                break;
            }
        }
        return text.ToString();
    }
}
