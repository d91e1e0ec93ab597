using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>RACK time-based loss detection (RFC 8985 §6) wired into the endpoint, driven by the fake clock.</summary>
public class TcpRackLossDetectionTests
{
    private static TcpSegment SackAck(uint ack, params (uint Left, uint Right)[] blocks)
    {
        TcpSegment s = TcpTestContext.Seg(Ack, 5001, ack);
        for (int i = 0; i < blocks.Length; i++)
        {
            s.Sack[i] = new SackBlock(new SeqNumber(blocks[i].Left), new SeqNumber(blocks[i].Right));
        }
        s.SackCount = blocks.Length;
        return s;
    }

    /// <summary>A handshake whose ACK takes 50 ms (SRTT = min RTT = 50 ms, reo_wnd = 12.5 ms), then three segments sent at once.</summary>
    private static TcpEndpoint SendThreeAfterRttSample(TcpTestContext t)
    {
        TcpListenSocket listener = t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000, 0);
        syn.Mss = 1460;
        syn.SackPermitted = true;
        t.Send(syn);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Advance(50);
        t.Send(Ack, 5001, 1001);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        ep.Send(new byte[1460 * 3], false, out _);
        t.Expect(Ack, seq: 1001);
        t.Expect(Ack, seq: 2461);
        t.Expect(Ack | Psh, seq: 3921);
        t.ExpectNothing();
        return ep;
    }

    [Fact]
    public void LostSegment_WithOneSackedSegmentAfterIt_IsRetransmittedAfterTheReorderWindow()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = SendThreeAfterRttSample(t);
        t.Advance(50);
        t.Send(SackAck(1001, (2461, 3921)));          // 1001 lost, 2461 SACKed: one duplicate ACK, below DupThresh
        t.ExpectNothing();                             // still inside RACK.rtt + reo_wnd
        t.Advance(12);
        t.ExpectNothing();
        t.Advance(1);                                  // 50 + 12.5 ms after 1001 was sent
        t.Expect(Ack, seq: 1001);
        Assert.Equal(1, t.Tcp.Statistics.TCPRackLoss);
        Assert.Equal(1, t.Tcp.Statistics.TCPSackRecovery);
        Assert.Equal(0, t.Tcp.Statistics.TCPLossProbes);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
        t.Send(SackAck(5381));
        t.Advance(TimeSpan.FromSeconds(5));
        t.ExpectNothing();
        Assert.Equal(1, t.Tcp.Statistics.RetransSegs);
        _ = ep;
    }

    [Fact]
    public void ReorderingInsideTheWindow_IsNotRetransmitted()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = SendThreeAfterRttSample(t);
        t.Advance(50);
        t.Send(SackAck(1001, (2461, 3921)));          // 1001 was only reordered behind 2461 ...
        t.Advance(5);
        t.Send(SackAck(3921));                         // ... and arrives 5 ms later, inside the window
        t.Advance(30);                                 // past where the reordering timer was armed
        t.ExpectNothing();
        t.Send(SackAck(5381));
        t.Advance(TimeSpan.FromSeconds(5));
        t.ExpectNothing();
        Assert.Equal(0, t.Tcp.Statistics.TCPRackLoss);
        Assert.Equal(0, t.Tcp.Statistics.RetransSegs);
        Assert.Equal(0, t.Tcp.Statistics.TCPSackRecovery);
        _ = ep;
    }

    [Fact]
    public void TwoLostSegments_BelowOneSackedSegment_AreBothRetransmittedByRack()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = SendThreeAfterRttSample(t);
        t.Advance(50);
        t.Send(SackAck(1001, (3921, 5381)));          // 1001 and 2461 lost, only the tail SACKed
        t.ExpectNothing();
        t.Advance(13);
        t.Expect(Ack, seq: 1001);                      // both marked lost; PRR (RFC 6937bis §5, as Linux) sends one now
        t.ExpectNothing();
        Assert.Equal(2, t.Tcp.Statistics.TCPRackLoss);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
        t.Advance(5);
        t.Send(SackAck(2461, (3921, 5381)));          // the retransmission arrived: a safe ACK lets the next one go
        t.Expect(Ack, seq: 2461);
        t.ExpectNothing();
        t.Send(SackAck(5381));
        t.Advance(TimeSpan.FromSeconds(5));
        t.ExpectNothing();
        Assert.Equal(2, t.Tcp.Statistics.RetransSegs);
        _ = ep;
    }

    /// <summary>
    /// RFC 8985 §6.1 keeps RACK state per segment: when the peer SACKs only the tail of a TSO super-segment, the
    /// head sent with it (same transmit time, lower sequence: §6.2 RACK_sent_after) is lost once RACK.rtt + reo_wnd
    /// have passed, and the reordering timer (§6.3) retransmits its first segment. The whole burst used to count as
    /// delivered, so nothing was resent until the loss probe resent the tail (packetdrill fr-4pkt-fack-last-mss).
    /// </summary>
    [Fact]
    public void SackOfTheTailOfATsoBurst_LosesTheHeadByTheReorderTimer()
    {
        using var t = new TcpTestContext(capabilities: Netstack.Link.LinkCapabilities.Gso, gsoMaxSize: 65535);
        TcpListenSocket listener = t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000, 0);
        syn.Mss = 1000;
        syn.SackPermitted = true;
        t.Send(syn);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Advance(100);
        t.Send(Ack, 5001, 1001);                       // SRTT = min RTT = 100 ms: reo_wnd = 25 ms
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        ep.Send(new byte[4000], false, out _);
        TcpSegment head = t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(2000, head.PayloadLength);        // TSO autosizing at 100 ms: two MSS per super-segment
        TcpSegment burst = t.Expect(Ack | Psh, seq: 3001);
        Assert.Equal(2000, burst.PayloadLength);       // the super-segment whose tail is SACKed below
        t.ExpectNothing();
        t.Advance(100);
        Assert.Equal(TcpCongestionState.Open, ep.GetInfo().CongestionState);
        t.Send(SackAck(1001, (4001, 5001)));          // only the last 1000 bytes arrived
        Assert.Equal(TcpCongestionState.Disorder, ep.GetInfo().CongestionState);
        Assert.Equal(1000u, ep.GetInfo().SackedBytes);
        t.Advance(24);
        t.ExpectNothing();                             // inside RACK.rtt + reo_wnd
        t.Advance(1);
        TcpSegment retransmission = t.Expect(Ack, seq: 1001);
        Assert.Equal(1000, retransmission.PayloadLength);
        Assert.Equal(TcpCongestionState.Recovery, ep.GetInfo().CongestionState);
        Assert.Equal(3000u, ep.GetInfo().LostBytes);  // the whole head of the burst, below the SACKed tail
        Assert.Equal(1, t.Tcp.Statistics.TCPSackRecovery);
        Assert.Equal(0, t.Tcp.Statistics.TCPLossProbes);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
    }
}
