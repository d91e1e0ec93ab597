using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

/// <summary><see cref="NetStackOptions.LoggerFactory"/>: connection events at Debug, drops at Trace with their reason, nothing allocated when off.</summary>
public class LoggingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_tcp_connection_logs_established_and_reset_with_its_four_tuple_at_debug()
    {
        var logs = new RecordingLoggerFactory(LogLevel.Debug);
        using var cancel = new CancellationTokenSource(Patience);
        await using var server = new NetStack(new NetStackOptions { LoggerFactory = logs });
        await using var client = new NetStack(new NetStackOptions { LoggerFactory = logs });
        await using (ChannelLinkPair link = ChannelLink.CreatePair())
        {
            server.AddInterface(link.A, "10.9.0.2/24");
            client.AddInterface(link.B, "10.9.0.1/24");
            await using TcpConnectionListener listener = server.ListenTcp(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 80));
            await using TcpConnection connection = await client.ConnectTcpAsync(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 80), cancel.Token);
            await using TcpConnection accepted = await listener.AcceptAsync(cancel.Token);
            int port = connection.LocalEndPoint.Port;
            connection.Abort();
            // The RST reaches the server on the link's thread: wait for its event (bounded by the token).
            while (logs.Find("Netstack.Tcp", $"10.9.0.2:80 -> 10.9.0.1:{port} reset").Count == 0)
            {
                await Task.Delay(10, cancel.Token);
            }
            Assert.Single(logs.Find("Netstack.Tcp", $"10.9.0.1:{port} -> 10.9.0.2:80 established"));
            Assert.Single(logs.Find("Netstack.Tcp", $"10.9.0.2:80 -> 10.9.0.1:{port} established"));
            Assert.Single(logs.Find("Netstack.Tcp", $"10.9.0.1:{port} -> 10.9.0.2:80 reset in Established (ConnectionAborted)"));
            Assert.Single(logs.Find("Netstack.Tcp", $"10.9.0.2:80 -> 10.9.0.1:{port} reset in Established (ConnectionReset)"));
        }
        Assert.All(logs.Records, r => Assert.Equal(LogLevel.Debug, r.Level)); // no Trace below the minimum, no warnings
    }

    [Fact]
    public void A_drop_is_logged_at_trace_with_its_reason_once_per_packet()
    {
        var logs = new RecordingLoggerFactory(LogLevel.Trace);
        using var net = new TwoStacks(loggerFactory: logs);
        (UdpSocket server, UdpSocket client) = FullReceiver(net);
        using (server)
        using (client)
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(SocketError.Success, client.SendTo(new byte[100], TwoStacks.B4, 9000));
                net.Pump();
            }
            List<LogRecord> drops = logs.Find("Netstack.Stack", "Dropped a UDP datagram from 10.9.0.1:9001: the socket's receive buffer is full");
            Assert.Equal(3, drops.Count);
            Assert.All(drops, d => Assert.Equal(LogLevel.Trace, d.Level));
            Assert.Equal(3, net.B.GetStatistics().Udp.RcvbufErrors);
        }
    }

    [Fact]
    public void Drops_allocate_nothing_when_trace_is_off()
    {
        var logs = new RecordingLoggerFactory(LogLevel.Information);
        using var net = new TwoStacks(loggerFactory: logs);
        (UdpSocket server, UdpSocket client) = FullReceiver(net);
        using (server)
        using (client)
        {
            byte[] payload = new byte[100];
            int failures = 0;
            void Round()
            {
                for (int i = 0; i < 1000; i++)
                {
                    failures += client.SendTo(payload, TwoStacks.B4, 9000) == SocketError.Success ? 0 : 1;
                    net.Pump();
                }
            }
            Round(); // warm up
            long allocated = SteadyStateAllocation.Measure(Round, out int rounds);
            Assert.Equal(0, failures);
            Assert.Equal(0, allocated);
            Assert.Equal(1000 * (rounds + 1), net.B.GetStatistics().Udp.RcvbufErrors);
            Assert.Empty(logs.Records);
        }
    }

    /// <summary>A receiver on B:9000 whose buffer holds nothing (every datagram is dropped as RcvbufErrors), and a sender on A:9001.</summary>
    private static (UdpSocket Server, UdpSocket Client) FullReceiver(TwoStacks net)
    {
        UdpSocket server = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        server.ReceiveBufferSize = 0;
        server.Bind(new IPEndPoint(IPAddress.Any, 9000));
        UdpSocket client = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        client.Bind(new IPEndPoint(TwoStacks.A4.ToIPAddress(), 9001));
        return (server, client);
    }
}
