using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Cli.Bench;

/// <summary>
/// <c>netstack bench --syn-flood N</c>: N SYNs from random spoofed sources (198.18.0.0/15, RFC 2544's benchmarking
/// range) and ports arrive at a listener while a legitimate client on the same link connects
/// <see cref="LegitimateConnects"/> times, interleaved. The listener's backlog fills with half-open connections that
/// never complete; SYN cookies (RFC 4987 §3.6) then answer statelessly. Reported: how many legitimate connects
/// succeeded and how long each took (on the stacks' clock and on the wall), the most connections the server held,
/// memory during the flood (managed heap growth, packet pool), and what was left once the half-open connections gave
/// up and TIME-WAIT ended. Runs on a <see cref="ManualClock"/> (10 SYNs per millisecond of stack time), so minutes of
/// TCP timers take milliseconds and runs repeat exactly for a seed.
/// </summary>
internal static class SynFloodBench
{
    public const int LegitimateConnects = 100;
    public const int Backlog = 128;
    private const int SynsPerMillisecond = 10;

    /// <summary>Stack time after the flood for every half-open connection to give up (SYN-ACK retries, about 127 s) and TIME-WAIT (60 s) to end.</summary>
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(200);

    public static SynFloodBenchResult Run(int syns, int seed)
    {
        var clock = new ManualClock();
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Manual });
        using var client = new NetStack(new NetStackOptions { TimeProvider = clock, Pool = pool, RandomSeed = seed });
        using var server = new NetStack(new NetStackOptions { TimeProvider = clock, Pool = pool, RandomSeed = seed + 1 });
        client.AddInterface(pair.A, InterfaceAddress.Parse("10.9.0.1/24"));
        int serverInterface = server.AddInterface(pair.B, InterfaceAddress.Parse("10.9.0.2/24"));
        // SYN-ACKs to the spoofed sources leave through the client's link, which drops them: the flood's victims are elsewhere.
        server.AddRoute(IPNetwork.Parse("0.0.0.0/0"), serverInterface, IPAddress.Parse("10.9.0.1"));
        TcpProtocol serverTcp = TcpProtocol.For(server);
        TcpProtocol clientTcp = TcpProtocol.For(client);
        var serverAddress = NetAddress.Parse("10.9.0.2");
        var stats = new Figures();
        using (TcpConnectionListener listener = server.ListenTcp(new IPEndPoint(IPAddress.Any, 80), Backlog))
        {
            pair.PumpUntilIdle();
            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var random = new Random(seed);
            int spacing = Math.Max(1, syns / LegitimateConnects);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < syns || stats.Attempts < LegitimateConnects; i++)
            {
                if (i < syns)
                {
                    server.DeliverPacket(serverInterface, SpoofedSyn.Rent(pool, random, serverAddress));
                }
                if (i % SynsPerMillisecond == SynsPerMillisecond - 1)
                {
                    stats.PeakPoolBytes = Math.Max(stats.PeakPoolBytes, pool.OutstandingBytes); // the SYN-ACKs queued on the link
                    pair.PumpUntilIdle();
                    clock.Advance(TimeSpan.FromMilliseconds(1));
                }
                if (i % spacing == spacing / 2 && stats.Attempts < LegitimateConnects)
                {
                    ConnectOnce(clientTcp, serverAddress, listener, pair, clock, stats);
                    stats.PeakHeap = Math.Max(stats.PeakHeap, GC.GetTotalMemory(forceFullCollection: false) - heapBefore);
                }
                stats.PeakConnections = Math.Max(stats.PeakConnections, serverTcp.ConnectionCount);
            }
            stats.FloodWall = Stopwatch.GetElapsedTime(start);
            stats.FloodStackTime = clock.Elapsed;
            for (TimeSpan t = TimeSpan.Zero; t < Drain; t += TimeSpan.FromSeconds(1))
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                pair.PumpUntilIdle();
            }
            stats.ConnectionsLeft = serverTcp.ConnectionCount + clientTcp.ConnectionCount;
            stats.BuffersLeft = pool.Outstanding;
            stats.HeapAfter = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        }
        TcpStatisticsSnapshot tcp = server.GetStatistics().Tcp;
        return stats.ToResult(syns, tcp);
    }

    /// <summary>One connect, accepted, a byte each way, closed by the client and then the server.</summary>
    private static void ConnectOnce(TcpProtocol clientTcp, NetAddress server, TcpConnectionListener listener, ChannelLinkPair pair, ManualClock clock, Figures stats)
    {
        stats.Attempts++;
        TimeSpan stackStart = clock.Elapsed;
        long wallStart = Stopwatch.GetTimestamp();
        TcpEndpoint client = clientTcp.Connect(server, 80, out SocketError error);
        TcpEndpoint? accepted = null;
        for (int step = 0; error == SocketError.Success && step < 10_000 && accepted is null; step++)
        {
            pair.PumpUntilIdle();
            accepted = listener.Socket.TryAccept(false, out _);
            if (accepted is null)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
        if (accepted is null || client.PollConnect(false) != SocketError.Success)
        {
            client.Abort();
            return;
        }
        TimeSpan stackTime = clock.Elapsed - stackStart;
        TimeSpan wallTime = Stopwatch.GetElapsedTime(wallStart);
        byte[] one = [42];
        byte[] buffer = new byte[4];
        client.Send(one, false, out _);
        accepted.Send(one, false, out _);
        pair.PumpUntilIdle();
        bool exchanged = accepted.Receive(buffer, false, out _, out _) == 1 && client.Receive(buffer, false, out _, out _) == 1;
        client.Close();
        pair.PumpUntilIdle();
        accepted.Close();
        pair.PumpUntilIdle();
        if (exchanged)
        {
            stats.StackTimes.Add(stackTime);
            stats.WallTimes.Add(wallTime);
        }
    }
    /// <summary>What the run gathers on the way.</summary>
    private sealed class Figures
    {
        public int Attempts;
        public int PeakConnections;
        public long PeakHeap;
        public long PeakPoolBytes;
        public long HeapAfter;
        public int ConnectionsLeft;
        public long BuffersLeft;
        public TimeSpan FloodWall;
        public TimeSpan FloodStackTime;
        public List<TimeSpan> StackTimes { get; } = [];
        public List<TimeSpan> WallTimes { get; } = [];

        public SynFloodBenchResult ToResult(int syns, in TcpStatisticsSnapshot tcp)
        {
            StackTimes.Sort();
            WallTimes.Sort();
            return new SynFloodBenchResult
            {
                Syns = syns,
                Backlog = Backlog,
                Attempts = Attempts,
                Succeeded = StackTimes.Count,
                StackMedianMs = Percentile(StackTimes, 0.5),
                StackMaxMs = Percentile(StackTimes, 1),
                WallMedianMs = Percentile(WallTimes, 0.5),
                WallMaxMs = Percentile(WallTimes, 1),
                FloodSeconds = FloodWall.TotalSeconds,
                FloodStackSeconds = FloodStackTime.TotalSeconds,
                PeakServerConnections = PeakConnections,
                CookiesSent = tcp.SyncookiesSent,
                CookiesValidated = tcp.SyncookiesRecv,
                PeakHeapBytes = PeakHeap,
                PeakPoolBytes = PeakPoolBytes,
                HeapAfterBytes = HeapAfter,
                ConnectionsLeft = ConnectionsLeft,
                BuffersLeft = BuffersLeft,
            };
        }

        private static double Percentile(List<TimeSpan> sorted, double p) =>
            sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))].TotalMilliseconds;
    }
}
