using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Tcp;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// The peek path's steady state allocates nothing: a stack endpoint sends from a real loopback socket's receive queue
/// (peek, MSG_TRUNC, SIOCINQ, poll) to another stack over a manually pumped link, all on the test thread.
/// </summary>
public class HostSocketSendSourceAllocationTests
{
    [Theory]
    [InlineData(LinkCapabilities.None)]
    [InlineData(LinkCapabilities.Gso | LinkCapabilities.Gro | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload)]
    public void Bulk_transfer_from_a_host_socket_allocates_zero_bytes_in_the_steady_state(LinkCapabilities capabilities)
    {
        using var p = new TcpPair(capabilities: capabilities);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        using var hostListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        hostListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        hostListener.Listen();
        using var writer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        writer.Connect(hostListener.LocalEndPoint!);
        using Socket held = hostListener.Accept();
        var source = new HostSocketSendSource(held, new HostForwarderStatistics());
        Assert.True(client.TryAttachSendSource(source));

        byte[] data = new byte[64 * 1024];
        byte[] buffer = new byte[64 * 1024];
        for (int i = 0; i < 20; i++)
        {
            Round(p, client, server, writer, data, buffer); // warm-up: pools, queues, window growth
        }
        long segmentsBefore = p.TcpA.Statistics.OutSegs;
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                Round(p, client, server, writer, data, buffer);
            }
        });
        long segments = p.TcpA.Statistics.OutSegs - segmentsBefore;
        Assert.True(segments > 20, $"only {segments} segments");
        Assert.True(allocated == 0, $"{allocated} bytes allocated for {segments} segments ({(double)allocated / segments:0.00} per segment)");
        Assert.False(source.Failed);
        client.Abort();
        p.Pump();
        listener.Dispose();
    }

    /// <summary>The host writes <paramref name="data"/>; the endpoint learns of it, sends it, and the peer reads it all.</summary>
    private static void Round(TcpPair p, TcpEndpoint client, TcpEndpoint server, Socket writer, byte[] data, byte[] buffer)
    {
        writer.Send(data);
        int received = 0;
        while (received < data.Length)
        {
            client.PollSendSource();
            p.Pump();
            int n;
            bool progress = false;
            while ((n = server.Receive(buffer, false, out _, out _)) > 0)
            {
                received += n;
                progress = true;
            }
            if (!progress)
            {
                p.Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
    }
}
