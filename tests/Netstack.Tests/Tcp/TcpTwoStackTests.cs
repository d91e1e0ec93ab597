using System.Net;
using System.Net.Sockets;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class TcpTwoStackTests
{
    private static byte[] Bytes(int n, int seed = 1)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void Connect_Transfer_Close_NoLeaks()
    {
        using var p = new TcpPair();
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        Assert.Equal(TcpConnectionState.Established, client.State);
        Assert.Equal(TcpConnectionState.Established, server.State);
        TcpInfo info = client.GetInfo();
        Assert.True(info.Timestamps);
        Assert.True(info.Sack);
        Assert.Equal(1448, info.SendMss);

        byte[] data = Bytes(100_000);
        Assert.Equal(data, p.Transfer(client, server, data));
        client.Close();
        p.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TcpConnectionState.FinWait2, client.State);
        Assert.Equal(TcpConnectionState.CloseWait, server.State);
        server.Close();
        p.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TcpConnectionState.TimeWait, client.State);
        Assert.Equal(TcpConnectionState.Closed, server.State);
        p.Run(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(1));
        Assert.Equal(TcpConnectionState.Closed, client.State);
        Assert.Equal(0, p.TcpA.ConnectionCount);
        Assert.Equal(0, p.TcpB.ConnectionCount);
        listener.Dispose();
    }

    [Theory]
    [InlineData(LinkCapabilities.None)]
    [InlineData(LinkCapabilities.Gso | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload)]
    public void OneMegabyte_BothWays_Verified(LinkCapabilities capabilities)
    {
        using var p = new TcpPair(capabilities: capabilities);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        byte[] up = Bytes(1 << 20, 11);
        byte[] down = Bytes(1 << 20, 12);
        Assert.Equal(up, p.Transfer(client, server, up));
        Assert.Equal(down, p.Transfer(server, client, down));
        Assert.Equal(0, p.TcpA.Statistics.RetransSegs);
        client.Abort();
        p.Pump();
        Assert.Equal(TcpConnectionState.Closed, server.State);
        Assert.Equal(SocketError.ConnectionReset, server.Error);
        listener.Dispose();
    }

    [Theory]
    [InlineData(0.02, 0, 0, 1)]
    [InlineData(0, 0.05, 0, 2)]
    [InlineData(0, 0, 0.05, 3)]
    [InlineData(0.03, 0.03, 0.03, 4)]
    public void OneMegabyte_OverImpairedLink(double loss, double duplicate, double reorder, int seed)
    {
        var impairment = new Impairment(loss, duplicate, reorder, seed);
        using var p = new TcpPair(aToB: impairment, bToA: impairment with { Seed = seed + 100 });
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        byte[] up = Bytes(1 << 20, seed);
        Assert.Equal(up, p.Transfer(client, server, up, close: true));
        byte[] down = Bytes(256 * 1024, seed + 1);
        Assert.Equal(down, p.Transfer(server, client, down, close: true));
        p.Run(TimeSpan.FromSeconds(70), TimeSpan.FromMilliseconds(100));
        client.Close();
        server.Close();
        p.Run(TimeSpan.FromSeconds(200), TimeSpan.FromMilliseconds(500));
        listener.Dispose();
    }

    [Fact]
    public void ConnectionRefused_WhenNobodyListens()
    {
        using var p = new TcpPair();
        _ = p.TcpB;
        TcpEndpoint client = p.TcpA.Connect(TcpPair.B4, 81, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        p.Pump();
        Assert.Equal(SocketError.ConnectionRefused, client.PollConnect(false));
    }
}

public class TcpSimulationTests
{
    /// <summary>Seeded scenarios: both directions at once over a link with delay, jitter (reordering) and loss.</summary>
    [Theory]
    [InlineData(1, 0.01)]
    [InlineData(2, 0.03)]
    [InlineData(3, 0.0)]
    [InlineData(4, 0.05)]
    [InlineData(5, 0.02)]
    [InlineData(6, 0.0)]
    [InlineData(7, 0.1)]
    [InlineData(8, 0.01)]
    [InlineData(9, 0.03)]
    [InlineData(10, 0.0)]
    [InlineData(11, 0.02)]
    [InlineData(12, 0.05)]
    public void Bidirectional_OverDelayJitterLoss(int seed, double loss) => Bidirectional(seed, loss, 0, 0);

    [Theory]
    [InlineData(21, 0.01, 0.02, 0.01)]
    [InlineData(22, 0.02, 0.05, 0.02)]
    [InlineData(23, 0.0, 0.1, 0.05)]
    public void Bidirectional_WithDuplicationAndCorruption(int seed, double loss, double duplicate, double corrupt) =>
        Bidirectional(seed, loss, duplicate, corrupt);

    private static void Bidirectional(int seed, double loss, double duplicate, double corrupt)
    {
        var options = new ImpairmentOptions
        {
            Loss = loss,
            Duplicate = duplicate,
            Corrupt = corrupt,
            Delay = TimeSpan.FromMilliseconds(5),
            Jitter = TimeSpan.FromMilliseconds(2),
            Seed = seed,
        };
        using var p = new TcpPair(impairedLink: options, seed: seed);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        var rng = new Random(seed);
        byte[] up = new byte[rng.Next(300_000, 600_000)];
        byte[] down = new byte[rng.Next(300_000, 600_000)];
        rng.NextBytes(up);
        rng.NextBytes(down);
        var gotUp = new MemoryStream();
        var gotDown = new MemoryStream();
        var buffer = new byte[32 * 1024];
        int sentUp = 0, sentDown = 0;
        bool upClosed = false, downClosed = false, upEof = false, downEof = false;
        TimeSpan limit = p.Clock.Elapsed + TimeSpan.FromMinutes(10);
        while (!(upEof && downEof) && p.Clock.Elapsed < limit)
        {
            sentUp += client.Send(up.AsSpan(sentUp), false, out _);
            sentDown += server.Send(down.AsSpan(sentDown), false, out _);
            if (sentUp == up.Length && !upClosed)
            {
                client.Shutdown();
                upClosed = true;
            }
            if (sentDown == down.Length && !downClosed)
            {
                server.Shutdown();
                downClosed = true;
            }
            p.Pump();
            int n;
            while ((n = server.Receive(buffer, false, out bool eof, out _)) > 0 || eof)
            {
                if (eof)
                {
                    upEof = true;
                    break;
                }
                gotUp.Write(buffer, 0, n);
            }
            while ((n = client.Receive(buffer, false, out bool eof, out _)) > 0 || eof)
            {
                if (eof)
                {
                    downEof = true;
                    break;
                }
                gotDown.Write(buffer, 0, n);
            }
            p.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.True(up.AsSpan().SequenceEqual(gotUp.ToArray()), $"upstream differs: {gotUp.Length} of {up.Length}; {client.GetInfo()} SERVER {server.GetInfo()} A: paws {p.TcpA.Statistics.PAWSEstab} chal {p.TcpA.Statistics.TCPChallengeACK} B: paws {p.TcpB.Statistics.PAWSEstab} chal {p.TcpB.Statistics.TCPChallengeACK} ofo {p.TcpB.Statistics.TCPOFOQueue} ofodrop {p.TcpB.Statistics.TCPOFODrop} probes {p.TcpA.Statistics.TCPLossProbes} fast {p.TcpA.Statistics.TCPFastRetrans} to {p.TcpA.Statistics.TCPTimeouts} pending {p.Impaired!.Pending} drops {p.Impaired.Outbound.Lost} {p.Impaired.Inbound.Lost}");
        Assert.True(down.AsSpan().SequenceEqual(gotDown.ToArray()), $"downstream differs: {gotDown.Length} of {down.Length}; {server.GetInfo()}");
        if (loss > 0)
        {
            Assert.True(p.TcpA.Statistics.RetransSegs + p.TcpB.Statistics.RetransSegs > 0);
        }
        Assert.True(client.GetInfo().SmoothedRtt >= TimeSpan.FromMilliseconds(5), client.GetInfo().ToString());
        p.Run(TimeSpan.FromSeconds(130), TimeSpan.FromMilliseconds(100));
        Assert.Equal(TcpConnectionState.Closed, client.State);
        Assert.Equal(TcpConnectionState.Closed, server.State);
        listener.Dispose();
    }
}

public class TcpAutoTuningTests
{
    [Fact]
    public void ReceiveBuffer_GrowsWithAFastReader_AndNotWhenLocked()
    {
        var delay = new ImpairmentOptions { Delay = TimeSpan.FromMilliseconds(10), Seed = 1 };
        using var p = new TcpPair(impairedLink: delay);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        byte[] data = new byte[8 << 20];
        Assert.Equal(data.Length, p.Transfer(client, server, data).Length);
        Assert.True(server.GetInfo().ReceiveWindow > 256 * 1024, server.GetInfo().ToString());
        Assert.True(server.GetInfo().ReceiveWindowScale >= 7);
        client.Abort();
        p.Pump();
        listener.Dispose();

        using var q = new TcpPair(impairedLink: delay);
        var locked = new TcpEndpointOptions { ReceiveBufferAutoTuning = false };
        (client, server, listener) = q.Connect(serverOptions: locked);
        Assert.Equal(data.Length, q.Transfer(client, server, data).Length);
        Assert.True(server.GetInfo().ReceiveWindow <= 256 * 1024, server.GetInfo().ToString());
        client.Abort();
        q.Pump();
        listener.Dispose();
    }
}
