using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Cli.Commands;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Cli.Tests;

/// <summary>The echo service between two in-process stacks over a channel link (threaded dispatch, real clock).</summary>
public class EchoServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30); // safety net, not a timing assertion

    private sealed class Pair : IDisposable
    {
        public readonly ChannelLinkPair Links = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Thread });
        public readonly NetStack Server = new();
        public readonly NetStack Client = new();

        public Pair()
        {
            Server.AddInterface(Links.A, "10.9.0.2/24", "fd00:9::2/64");
            Client.AddInterface(Links.B, "10.9.0.1/24", "fd00:9::1/64");
        }

        public void Dispose()
        {
            Links.A.Dispose();
            Links.B.Dispose();
            Server.Dispose();
            Client.Dispose();
        }
    }

    [Fact]
    public void Cancelling_stops_the_server_with_nothing_connected()
    {
        using var pair = new Pair();
        using var server = new EchoServer(pair.Server, 7);
        using var stop = new CancellationTokenSource();
        Task running = server.RunAsync(stop.Token);
        Assert.False(running.IsCompleted);
        stop.Cancel();
        Assert.True(running.Wait(Patience), "the echo server did not stop");
    }

    [Theory]
    [InlineData("10.9.0.2")]
    [InlineData("fd00:9::2")]
    public async Task Tcp_and_udp_are_echoed_and_cancelling_stops_open_connections(string address)
    {
        using var pair = new Pair();
        using var server = new EchoServer(pair.Server, 7);
        using var stop = new CancellationTokenSource();
        Task running = server.RunAsync(stop.Token);
        using var timeout = new CancellationTokenSource(Patience);
        var remote = new IPEndPoint(IPAddress.Parse(address), 7);

        await using TcpConnection connection = await pair.Client.ConnectTcpAsync(remote, timeout.Token);
        byte[] hello = Encoding.ASCII.GetBytes("hello, echo");
        await connection.Stream.WriteAsync(hello, timeout.Token);
        byte[] back = new byte[hello.Length];
        await connection.Stream.ReadExactlyAsync(back, timeout.Token);
        Assert.Equal(hello, back);

        using var udp = new UdpSocket(pair.Client, remote.AddressFamily);
        await udp.SendToAsync(hello, remote, timeout.Token);
        UdpReceiveFromResult r = await udp.ReceiveFromAsync(back, timeout.Token);
        Assert.Equal(hello.Length, r.ReceivedBytes);
        Assert.Equal(remote, r.RemoteEndPoint);

        stop.Cancel(); // the connection is still open: the server must not wait for it
        Assert.True(running.Wait(Patience), "the echo server did not stop");
        Assert.Equal(1, server.TcpConnections);
        Assert.Equal(1, server.UdpDatagrams);
    }
}
