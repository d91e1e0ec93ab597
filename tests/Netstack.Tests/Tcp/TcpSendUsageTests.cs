using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// cwnd growth only while cwnd-limited (RFC 7661 §4.3), slow start by stretch ACKs, the restart after idle (RFC 5681 §4.1)
/// and the TCP_INFO measurements of the endpoint (reordering, receive MSS, times since data, chronographs), on the fake clock.
/// </summary>
public class TcpSendUsageTests
{
    private const int Mss = TcpTestContext.PeerMss;
    private const uint Data = TcpTestContext.DefaultIss + 1; // our first data byte

    private static uint Cwnd(TcpEndpoint ep) => ep.GetInfo().CongestionWindow;

    /// <summary>Writes <paramref name="segments"/> full segments, checks they all went out, then lets <paramref name="rttMs"/> pass.</summary>
    private static void SendSegments(TcpTestContext t, TcpEndpoint ep, int segments, int rttMs = 20)
    {
        Assert.Equal(segments * Mss, ep.Send(new byte[segments * Mss], false, out _));
        Assert.Equal(segments, t.DrainDataSeqs().Count);
        t.Advance(rttMs);
    }

    /// <summary>A SACK connection whose handshake ACK takes <paramref name="rttMs"/>.</summary>
    private static TcpEndpoint EstablishWithRtt(TcpTestContext t, int rttMs) => t.EstablishPassive(sack: true, handshakeRttMs: rttMs);

    [Fact]
    public void SenderUsingHalfTheWindowKeepsIt()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        Assert.Equal(10u * Mss, Cwnd(ep));
        SendSegments(t, ep, 5);
        for (uint k = 2; k <= 5; k += 2)
        {
            t.Send(Ack, 5001, Data + k * Mss);
        }
        t.Send(Ack, 5001, Data + 5 * Mss);
        Assert.Equal(10u * Mss, Cwnd(ep));
    }

    [Fact]
    public void AppLimitedSlowStartStillDoublesWhatWasSent()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        SendSegments(t, ep, 9);
        for (uint k = 2; k <= 8; k += 2)
        {
            t.Send(Ack, 5001, Data + k * Mss);
        }
        Assert.Equal(18u * Mss, Cwnd(ep));
        t.Send(Ack, 5001, Data + 9 * Mss);
        Assert.Equal(18u * Mss, Cwnd(ep));
    }

    [Fact]
    public void StretchAckOfAFullWindowDoublesIt()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        SendSegments(t, ep, 10);
        t.Send(Ack, 5001, Data + 10 * Mss); // one ACK for all ten, as a GRO receiver sends
        Assert.Equal(20u * Mss, Cwnd(ep));
    }

    [Theory]
    [InlineData(true, 10)]
    [InlineData(false, 20)]
    public void WriteAfterIdleRestartsTheWindowOnlyWhenAsked(bool slowStartAfterIdle, int expectedSegments)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, SlowStartAfterIdle = slowStartAfterIdle });
        SendSegments(t, ep, 10);
        t.Send(Ack, 5001, Data + 10 * Mss);
        Assert.Equal(20u * Mss, Cwnd(ep));
        t.Advance(TimeSpan.FromSeconds(3)); // many RTOs without sending
        Assert.Equal(20u * Mss, Cwnd(ep)); // idle alone changes nothing; the next write decides
        ep.Send(new byte[30 * Mss], false, out _);
        Assert.Equal((uint)expectedSegments * Mss, Cwnd(ep));
        Assert.Equal(expectedSegments, t.DrainDataSeqs().Count);
    }

    /// <summary>
    /// packetdrill's slow-start-after-win-update: data queued behind a zero window right after the last send keeps the
    /// window through the probes; when the window opens seconds later with nothing in flight, the restart check runs
    /// (Linux tcp_ack_update_window) and the data goes out in the restart window.
    /// </summary>
    [Theory]
    [InlineData(true, 10)]
    [InlineData(false, 20)]
    public void WindowOpeningAfterIdleRestartsTheWindowOnlyWhenAsked(bool slowStartAfterIdle, int expectedSegments)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, SlowStartAfterIdle = slowStartAfterIdle });
        SendSegments(t, ep, 10);
        t.Send(Ack, 5001, Data + 10 * Mss, window: 0); // everything acknowledged, and the window closes
        ep.Send(new byte[30 * Mss], false, out _);
        Assert.Equal(20u * Mss, Cwnd(ep)); // the last data went out 20 ms ago: no restart at the write
        t.Advance(TimeSpan.FromSeconds(3)); // zero-window probes only
        Assert.Empty(t.DrainDataSeqs());
        Assert.Equal(20u * Mss, Cwnd(ep));
        t.Send(Ack, 5001, Data + 10 * Mss, window: 65535);
        Assert.Equal((uint)expectedSegments * Mss, Cwnd(ep));
        Assert.Equal(expectedSegments, t.DrainDataSeqs().Count);
    }

    [Fact]
    public void WriteSoonAfterTheLastSendKeepsTheWindowThoughTheFlightDrainedLongAgo()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, SlowStartAfterIdle = true });
        SendSegments(t, ep, 10);
        t.Send(Ack, 5001, Data + 10 * Mss);
        ep.Send(new byte[Mss], false, out _); // sent at once, so the last data went out just now
        t.DrainDataSeqs();
        t.Advance(20);
        t.Send(Ack, 5001, Data + 11 * Mss);
        ep.Send(new byte[Mss], false, out _);
        Assert.Equal(20u * Mss, Cwnd(ep)); // neither the idle rule nor the one-segment flight changed it
    }

    [Fact]
    public void InfoReportsTimeSinceDataAndTheReceiveMss()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Advance(1000);
        Assert.Equal(TimeSpan.FromSeconds(1), ep.GetInfo().SinceLastDataReceived);
        Assert.Equal(536, ep.GetInfo().ReceiveMss);
        t.Send(Ack | Psh, 5001, Data, payload: new byte[1000]);
        t.Advance(30);
        TcpInfo info = ep.GetInfo();
        Assert.Equal(TimeSpan.FromMilliseconds(30), info.SinceLastDataReceived);
        Assert.Equal(1000, info.ReceiveMss);
        Assert.Equal(TimeSpan.Zero, info.SinceLastDataSent);
        SendSegments(t, ep, 1, rttMs: 7);
        Assert.Equal(TimeSpan.FromMilliseconds(7), ep.GetInfo().SinceLastDataSent);
    }

    [Fact]
    public void ZeroWindowTimeCountsAsReceiveWindowLimited()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(peerWindow: 0);
        Assert.Equal(TimeSpan.Zero, ep.GetInfo().ReceiveWindowLimitedTime);
        ep.Send(new byte[1000], false, out _);
        t.ExpectNothing();
        t.Advance(100);
        Assert.Equal(TimeSpan.FromMilliseconds(100), ep.GetInfo().ReceiveWindowLimitedTime);
        t.Send(Ack, 5001, Data, window: 2000); // the window opens: the data goes
        Assert.Single(t.DrainDataSeqs());
        t.Advance(30);
        t.Send(Ack, 5001, Data + 1000, window: 2000);
        t.Advance(50);
        TcpInfo info = ep.GetInfo();
        Assert.Equal(TimeSpan.FromMilliseconds(100), info.ReceiveWindowLimitedTime);
        Assert.Equal(TimeSpan.FromMilliseconds(130), info.BusyTime); // from the write to the ACK of everything
        Assert.Equal(TimeSpan.Zero, info.SendBufferLimitedTime);
    }

    [Fact]
    public void FullSendBufferWithRoomInCwndCountsAsSendBufferLimited()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, SendBufferSize = 4 * Mss });
        Assert.Equal(4 * Mss, ep.Send(new byte[8 * Mss], false, out _)); // the rest waits for room
        Assert.Equal(4, t.DrainDataSeqs().Count);                          // 4 of 10 segments: cwnd is not the limit
        t.Advance(50);
        Assert.Equal(TimeSpan.FromMilliseconds(50), ep.GetInfo().SendBufferLimitedTime);
        t.Send(Ack, 5001, Data + 4 * Mss); // room again
        t.Advance(50);
        TcpInfo info = ep.GetInfo();
        Assert.Equal(TimeSpan.FromMilliseconds(50), info.SendBufferLimitedTime);
        Assert.Equal(TimeSpan.FromMilliseconds(50), info.BusyTime);
    }

    [Fact]
    public void SegmentSackedBelowTheHighestSackRaisesTheReorderingDegree()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, rttMs: 50); // min RTT 50 ms: RACK's reordering window is 12.5 ms
        Assert.Equal(3, ep.GetInfo().Reordering);
        SendSegments(t, ep, 10, rttMs: 50);
        uint Seg(uint k) => Data + k * Mss;
        t.Send(TcpTestContext.SackAck(Data, (Seg(7), Seg(8))));
        t.Send(TcpTestContext.SackAck(Data, (Seg(2), Seg(3)), (Seg(7), Seg(8)))); // never resent, 6 segments below
        TcpInfo info = ep.GetInfo();
        Assert.Equal(6, info.Reordering);
        Assert.Equal(1, info.ReorderingEvents);
        t.Send(Ack, 5001, Seg(10)); // the rest arrives: 1 is now 10 segments below (snd_una)
        info = ep.GetInfo();
        Assert.Equal(10, info.Reordering);
        Assert.Equal(2, info.ReorderingEvents);
        Assert.Equal(0, t.Tcp.Statistics.RetransSegs);
    }

    /// <summary>
    /// Reordering, not loss (packetdrill limited-transmit-sack): two SACKed segments, then the hole fills. The ACK that
    /// fills it delivers one new segment, so slow start adds one MSS, not the three SND.UNA moved (RFC 6937 DeliveredData).
    /// </summary>
    [Fact]
    public void AckFillingAHoleGrowsCwndByWhatItDeliveredFirst_WithSack()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, rttMs: 50);
        ep.Send(new byte[15 * Mss], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        t.Advance(50);
        t.Send(TcpTestContext.SackAck(Data, (Data + Mss, Data + 2 * Mss)));
        t.Send(TcpTestContext.SackAck(Data, (Data + Mss, Data + 3 * Mss)));
        Assert.Equal(2, t.DrainDataSeqs().Count); // limited transmit (RFC 3042)
        Assert.Equal(10u * Mss, Cwnd(ep));
        t.Send(Ack, 5001, Data + 3 * Mss);
        Assert.Equal(11u * Mss, Cwnd(ep));
        Assert.Equal(2, t.DrainDataSeqs().Count); // 9 in flight, cwnd 11
    }

    [Fact]
    public void AckFillingAHoleGrowsCwndByWhatItDeliveredFirst_WithoutSack()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(new byte[15 * Mss], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        t.Advance(50);
        t.Send(Ack, 5001, Data); // two duplicate ACKs: two segments arrived beyond a hole
        t.Send(Ack, 5001, Data);
        Assert.Equal(2, t.DrainDataSeqs().Count);
        t.Send(Ack, 5001, Data + 3 * Mss);
        Assert.Equal(11u * Mss, Cwnd(ep));
    }
}
