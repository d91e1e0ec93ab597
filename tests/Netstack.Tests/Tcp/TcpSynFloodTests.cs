using Xunit.Abstractions;
using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Issue 11 item 7: a SYN flood (RFC 4987) of spoofed sources against a listener while a legitimate client keeps
/// connecting. The listener's backlog fills with half-open connections that will never complete; from then on SYN
/// cookies (RFC 4987 §3.6) answer without keeping state, so every legitimate connect completes at once, the connection
/// table stays bounded by the backlog, and once the half-open connections have given up nothing is left.
/// All on the fake clock; the wall-clock and memory figures are printed, never asserted.
/// </summary>
public sealed class TcpSynFloodTests(ITestOutputHelper output)
{
    private const int Syns = 100_000;
    private const int LegitimateConnects = 100;
    private const int Backlog = 64;
    private const int SynsPerMillisecond = 10; // 100,000 SYNs over 10 s of stack time

    [Fact]
    public void SynFlood_EveryLegitimateConnectSucceeds_StateStaysBounded_AndNothingLeaks()
    {
        using var p = new TcpPair();
        TcpProtocol server = p.TcpB;
        Assert.True(p.B.TryFindRoute(TcpPair.A4, out RouteInfo toA));
        // SYN-ACKs to the spoofed sources leave through A, which drops them (not its address): the flood's victims are elsewhere.
        p.B.AddRoute(IPNetwork.Parse("0.0.0.0/0"), toA.InterfaceId, IPAddress.Parse("10.9.0.1"));
        TcpConnectionListener listener = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80), backlog: Backlog);
        p.Pump();
        long poolBaseline = p.Pool.Outstanding;
        long heapBaseline = GC.GetTotalMemory(forceFullCollection: true);

        var random = new Random(7);
        var connectStackTimes = new List<TimeSpan>();
        int succeeded = 0;
        int maxConnections = 0;
        string worst = "";
        long peakHeap = 0;
        long peakPoolBytes = 0;
        for (int i = 0; i < Syns; i++)
        {
            p.B.DeliverPacket(toA.InterfaceId, SpoofedSyn.Rent(p.Pool, random, TcpPair.B4));
            if (i % SynsPerMillisecond == SynsPerMillisecond - 1)
            {
                peakPoolBytes = Math.Max(peakPoolBytes, p.Pool.OutstandingBytes); // the SYN-ACKs queued on the link
                p.Pump();
                p.Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
            if (i % (Syns / LegitimateConnects) == Syns / LegitimateConnects / 2)
            {
                if (ConnectOnce(p, listener, connectStackTimes))
                {
                    succeeded++;
                }
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false) - heapBaseline);
            }
            if (server.ConnectionCount > maxConnections)
            {
                maxConnections = server.ConnectionCount;
                var counts = new long[16];
                server.CountByState(counts);
                worst = string.Join(",", counts.Select((c, s) => $"{(TcpConnectionState)s}={c}").Where(x => !x.EndsWith("=0")));
            }
        }
        TcpStatisticsSnapshot stats = p.B.GetStatistics().Tcp;

        Assert.Equal(LegitimateConnects, succeeded);
        Assert.True(stats.SyncookiesSent > Syns / 2, $"{stats.SyncookiesSent} cookies sent");
        Assert.True(stats.SyncookiesRecv > 0, "no legitimate connect completed through a cookie");
        // Half-open connections are bounded by the backlog; the few beyond it are legitimate ones closing.
        Assert.True(maxConnections <= Backlog + 2, $"{maxConnections} connections at the server at once: {worst}");

        // The half-open connections give up after their SYN-ACK retries (about 127 s); TIME-WAIT ends after 60 s.
        p.Run(TimeSpan.FromSeconds(200), TimeSpan.FromSeconds(1));
        Assert.Equal(0, server.ConnectionCount);
        Assert.Equal(0, p.TcpA.ConnectionCount);
        Assert.Equal(poolBaseline, p.Pool.Outstanding);
        listener.Dispose();
        p.Pump();
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true) - heapBaseline;

        connectStackTimes.Sort();
        output.WriteLine($"SYN flood: {Syns} spoofed SYNs over {p.Clock.Elapsed.TotalSeconds - 200:F1} s of stack time (wall-clock figures: netstack bench --syn-flood)");
        output.WriteLine($"legitimate connects: {succeeded}/{LegitimateConnects} succeeded; stack time median {Median(connectStackTimes).TotalMilliseconds:F1} ms, max {connectStackTimes[^1].TotalMilliseconds:F1} ms");
        output.WriteLine($"listener: backlog {Backlog}, at most {maxConnections} connections in the table; {stats.SyncookiesSent} cookies sent, {stats.SyncookiesRecv} validated, {stats.ListenOverflows} overflows");
        output.WriteLine($"memory during the flood: GC heap +{peakHeap / 1024} KiB, packet pool {peakPoolBytes / 1024} KiB outstanding at peak");
        output.WriteLine($"memory after (table empty, pool back to {p.Pool.Outstanding} buffers): GC heap {heapAfter / 1024:+#;-#;0} KiB against before");
    }

    /// <summary>One legitimate connect from A, accepted at B, one byte each way, then closed by the client and then the server; false if it failed.</summary>
    private static bool ConnectOnce(TcpPair p, TcpConnectionListener listener, List<TimeSpan> stackTimes)
    {
        TimeSpan stackStart = p.Clock.Elapsed;
        TcpEndpoint client = p.TcpA.Connect(TcpPair.B4, 80, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        TcpEndpoint? accepted = null;
        for (int step = 0; step < 5000 && accepted is null; step++)
        {
            p.Pump();
            accepted = listener.Socket.TryAccept(false, out _);
            if (accepted is null)
            {
                p.Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
        if (accepted is null || client.PollConnect(false) != SocketError.Success)
        {
            client.Abort();
            return false;
        }
        stackTimes.Add(p.Clock.Elapsed - stackStart);
        byte[] one = [42];
        Assert.Equal(1, client.Send(one, false, out _));
        Assert.Equal(1, accepted.Send(one, false, out _));
        p.Pump();
        byte[] buffer = new byte[4];
        bool bothReceived = accepted.Receive(buffer, false, out _, out _) == 1 && client.Receive(buffer, false, out _, out _) == 1;
        client.Close(); // the client closes first and keeps the TIME-WAIT, as clients do
        p.Pump();
        accepted.Close();
        p.Pump();
        return bothReceived;
    }

    private static TimeSpan Median(List<TimeSpan> sorted) => sorted.Count == 0 ? TimeSpan.Zero : sorted[sorted.Count / 2];
}
