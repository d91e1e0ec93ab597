using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// HyStart through the endpoint on the fake clock: each ACK's RTT comes from the send time of the newest segment it
/// acknowledged (with and without SACK), and TCP_INFO's ssthresh shows where slow start ended.
/// </summary>
public class TcpHyStartTests
{
    private const int Mss = TcpTestContext.PeerMss;
    private const uint Data = TcpTestContext.DefaultIss + 1; // our first data byte

    /// <summary>
    /// packetdrill's cubic-hystart-delay-rtt-jumps-upward on the endpoint: 10 segments with a 200 ms RTT, then 20 whose
    /// ACKs (two segments each, 1 ms apart) take 240 ms and more; the ninth ACK of that round ends slow start at 36.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RttRiseEndsSlowStartWithSsthreshAtCwnd(bool sack)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack);
        TcpInfo info = SlowStartThenRisingRound(t, ep, acksInRound: 8);
        Assert.Equal(uint.MaxValue, info.SlowStartThreshold);
        Assert.Equal(36u * Mss, info.CongestionWindow);

        t.Send(Ack, 5001, Data + 28 * Mss);
        info = ep.GetInfo();
        Assert.Equal(36u * Mss, info.SlowStartThreshold);
        Assert.Equal(36u * Mss, info.CongestionWindow);

        // Counted once, with the window it left at, as Linux's TCPHystartDelayDetect / TCPHystartDelayCwnd.
        t.Send(Ack, 5001, Data + 29 * Mss);
        Assert.Equal(1, t.Tcp.Statistics.TCPHystartDelayDetect);
        Assert.Equal(36, t.Tcp.Statistics.TCPHystartDelayCwnd);
        Assert.Equal(0, t.Tcp.Statistics.TCPHystartTrainDetect);
    }

    [Fact]
    public void WithHyStartOffTheSameRoundStaysInSlowStart()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: true, new TcpEndpointOptions { QuickAck = false, HyStart = HyStartDetection.None });
        TcpInfo info = SlowStartThenRisingRound(t, ep, acksInRound: 9);
        Assert.Equal(uint.MaxValue, info.SlowStartThreshold);
        Assert.Equal(38u * Mss, info.CongestionWindow);
        Assert.Equal(0, t.Tcp.Statistics.TCPHystartDelayDetect + t.Tcp.Statistics.TCPHystartTrainDetect);
    }

    /// <summary>A passive connection whose handshake ACK takes 200 ms, as the script's (so the RTO is well above 200 ms).</summary>
    private static TcpEndpoint EstablishWithRtt(TcpTestContext t, bool sack, TcpEndpointOptions? options = null) =>
        t.EstablishPassive(options: options, sack: sack, handshakeRttMs: 200);

    /// <summary>Ten segments acknowledged after 200 ms (cwnd 20), then <paramref name="acksInRound"/> ACKs of two segments, 1 ms apart, from 240 ms after they were sent.</summary>
    private static TcpInfo SlowStartThenRisingRound(TcpTestContext t, TcpEndpoint ep, int acksInRound)
    {
        Assert.Equal(30 * Mss, ep.Send(new byte[30 * Mss], false, out _));
        Assert.Equal(10, t.DrainDataSeqs().Count);
        t.Advance(200);
        t.Send(Ack, 5001, Data + 10 * Mss);
        Assert.Equal(20u * Mss, ep.GetInfo().CongestionWindow);
        Assert.Equal(20, t.DrainDataSeqs().Count);
        t.Advance(240);
        for (uint k = 0; k < acksInRound; k++)
        {
            t.Send(Ack, 5001, Data + (12 + 2 * k) * Mss);
            Assert.Equal(uint.MaxValue, ep.GetInfo().SlowStartThreshold);
            t.Advance(1);
        }
        return ep.GetInfo();
    }
}
