using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Loss recovery driven by a scripted peer on the fake clock: PRR (RFC 6937), NewReno (RFC 6582), RACK
/// for a lost retransmission (RFC 8985), undo (RFC 2883/3708, RFC 3522) and the restart after idle (RFC 5681 §4.1).
/// Our ISS is 1000, so data starts at 1001; segments carry 1460 bytes.
/// </summary>
public class TcpLossRecoveryTests
{
    private const uint Mss = 1460;
    private const uint Data = TcpTestContext.DefaultIss + 1; // our first data byte

    private static uint SegmentAt(int index) => Data + (uint)index * Mss;

    /// <summary>A passive open whose handshake ACK takes 50 ms (SRTT = min RTT = 50 ms), with the given options.</summary>
    internal static TcpEndpoint EstablishWithRtt(TcpTestContext t, bool sack, string congestionControl = "newreno", bool timestamps = false)
    {
        TcpListenSocket listener = t.Listen(options: new TcpEndpointOptions { CongestionControl = congestionControl });
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000, 0);
        syn.Mss = 1460;
        syn.SackPermitted = sack;
        if (timestamps)
        {
            syn.HasTimestamp = true;
            syn.TsVal = 100;
        }
        t.Send(syn);
        TcpSegment synAck = t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Advance(50);
        TcpSegment ack = TcpTestContext.Seg(Ack, 5001, 1001);
        if (timestamps)
        {
            ack.HasTimestamp = true;
            ack.TsVal = 101;
            ack.TsEcr = synAck.TsVal;
        }
        t.Send(ack);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        return ep;
    }

    /// <summary>
    /// RFC 6937 §3.1, the PRR chart for one loss in a window of 20 segments: limited transmit (RFC 3042) sends a
    /// new segment (N) on each of the first two duplicate ACKs, the third retransmits (R), then PRR sends one
    /// segment per two ACKs while pipe &gt; ssthresh and, on the last two, ssthresh − pipe (the "s" of the
    /// RB row): N N R _ N _ N _ N _ N _ N _ N _ _ N N. With Reno halving ssthresh = FlightSize/2 = 11 segments.
    /// </summary>
    [Fact]
    public void Prr_SendsPerAckAsTheRfc6937Example()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: true);
        ep.Send(new byte[Mss * 60], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);              // IW = 10 segments
        t.Advance(50);
        for (int i = 1; i <= 10; i++)
        {
            t.Send(TcpTestContext.SackAck(SegmentAt(i)));                  // slow start: cwnd grows to 20 segments, 20 in flight
        }
        Assert.Equal(20, t.DrainDataSeqs().Count);
        Assert.Equal(20 * Mss, ep.GetInfo().CongestionWindow);
        t.Advance(50);

        // Segment 10 is lost; segments 11..29 arrive and each is SACKed by a duplicate ACK.
        string[] expected = ["N", "N", "R", "", "N", "", "N", "", "N", "", "N", "", "N", "", "N", "", "", "N", "N"];
        uint next = SegmentAt(30);
        for (int k = 1; k <= 19; k++)
        {
            t.Send(TcpTestContext.SackAck(SegmentAt(10), (SegmentAt(11), SegmentAt(11 + k))));
            List<uint> sent = t.DrainDataSeqs();
            string got = sent.Count == 0 ? "" : sent.Count > 1 ? $"{sent.Count} segments" : sent[0] == SegmentAt(10) ? "R" : "N";
            Assert.True(expected[k - 1] == got, $"ack {k}: expected '{expected[k - 1]}', sent '{got}'");
            if (got == "N")
            {
                Assert.Equal(next, sent[0]);
                next += Mss;
            }
        }
        Assert.Equal(11 * Mss, ep.GetInfo().SlowStartThreshold);
        Assert.Equal(1, t.Tcp.Statistics.TCPSackRecovery);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
    }

    /// <summary>
    /// RFC 8985 §6.2: a retransmission is judged by its own transmit time. When segments sent after it are
    /// SACKed and RACK.rtt has passed, it is lost again and resent at once, not after the RTO.
    /// </summary>
    [Fact]
    public void LostRetransmission_IsResentWithoutTheRto()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: true);
        ep.Send(new byte[Mss * 12], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        t.Advance(50);
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(2))));
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(3))));
        Assert.Equal([SegmentAt(10), SegmentAt(11)], t.DrainDataSeqs());                // limited transmit
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(4))));
        Assert.Equal([Data], t.DrainDataSeqs());                                          // fast retransmit, which is lost too
        t.Advance(50);
        // Everything sent after the retransmission arrives; the retransmission does not.
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(12))));
        List<uint> sent = t.DrainDataSeqs();
        Assert.Equal(Data, Assert.Single(sent));
        Assert.Equal(1, t.Tcp.Statistics.TCPLostRetransmit);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
        t.Send(TcpTestContext.SackAck(SegmentAt(12)));
        t.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(t.DrainDataSeqs());
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
    }

    /// <summary>
    /// RFC 6582 §3.2 without SACK: three duplicate ACKs retransmit and set cwnd = ssthresh + 3·SMSS (step 2);
    /// each further one inflates cwnd by one SMSS and lets new data out (step 4); a partial ACK retransmits the
    /// next hole at once and deflates the window by the amount acknowledged, plus one SMSS (step 5); the full
    /// ACK ends recovery with cwnd = ssthresh (step 3).
    /// </summary>
    [Fact]
    public void NewReno_PartialAckRetransmitsTheNextHole()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { CongestionControl = "newreno" });
        ep.Send(new byte[Mss * 30], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        // Segments 0 and 4 are lost: segments 1-3, 5-9 and the two limited-transmit ones raise 10 duplicate ACKs.
        string[] expected = ["N", "N", "R", "", "", "", "N", "N", "N", "N"];
        uint next = SegmentAt(10);
        for (int k = 1; k <= 10; k++)
        {
            t.Send(Ack, 5001, Data);
            List<uint> sent = t.DrainDataSeqs();
            string got = sent.Count == 0 ? "" : sent.Count > 1 ? $"{sent.Count} segments" : sent[0] == Data ? "R" : "N";
            Assert.True(expected[k - 1] == got, $"duplicate ACK {k}: expected '{expected[k - 1]}', sent '{got}'");
            if (got == "N")
            {
                Assert.Equal(next, sent[0]);
                next += Mss;
            }
        }
        Assert.Equal(6 * Mss, ep.GetInfo().SlowStartThreshold); // FlightSize 12 segments / 2

        // The retransmission fills the first hole: a partial ACK up to segment 4.
        t.Send(Ack, 5001, SegmentAt(4));
        // Retransmit segment 4 at once; window 6 + (3 + 7) - 4 + 1 = 13 segments over a flight of 12: one new segment.
        Assert.Equal([SegmentAt(4), next], t.DrainDataSeqs());
        next += Mss;
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);

        t.Send(Ack, 5001, next);                      // full acknowledgment
        Assert.Equal(6 * Mss, ep.GetInfo().CongestionWindow);
        Assert.Equal(6, t.DrainDataSeqs().Count);               // the deflated window: ssthresh
        Assert.Equal(1, t.Tcp.Statistics.TCPFastRetrans);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
    }

    /// <summary>
    /// RFC 2883 §4 (with RFC 3708's rule): the original segment was only delayed; the full ACK ends recovery and a
    /// D-SACK then reports the retransmission as a duplicate, so every retransmission was needless: cwnd and
    /// ssthresh are restored.
    /// </summary>
    [Fact]
    public void DsackShowingEveryRetransmissionNeedless_UndoesTheReduction()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: true);
        ep.Send(new byte[Mss * 10], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        TcpInfo before = ep.GetInfo();
        t.Advance(50);
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(2))));
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(3))));
        t.Send(TcpTestContext.SackAck(Data, (SegmentAt(1), SegmentAt(4))));
        Assert.Equal([Data], t.DrainDataSeqs());
        Assert.True(ep.GetInfo().CongestionWindow < before.CongestionWindow);
        t.Send(TcpTestContext.SackAck(SegmentAt(10)));                   // the delayed original arrives: full ACK
        Assert.Equal(0, t.Tcp.Statistics.TCPDSACKUndo);
        t.Send(TcpTestContext.SackAck(SegmentAt(10), (Data, SegmentAt(1)))); // then the retransmission, reported as a duplicate
        TcpInfo after = ep.GetInfo();
        Assert.Equal(1, t.Tcp.Statistics.TCPDSACKUndo);
        Assert.Equal(before.CongestionWindow, after.CongestionWindow);
        Assert.Equal(before.SlowStartThreshold, after.SlowStartThreshold);
    }

    /// <summary>
    /// RFC 3522 (Eifel): the ACK for the retransmitted segment echoes the original's timestamp, older than the
    /// retransmission's, so the fast retransmit was spurious and the reduction is undone at once.
    /// </summary>
    [Fact]
    public void EifelTimestampOlderThanTheRetransmission_UndoesTheReduction()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: false, timestamps: true);
        uint mss = (uint)ep.GetInfo().SendMss;        // 1448: the timestamp option takes 12 bytes
        ep.Send(new byte[mss * 10], false, out _);
        uint originalTsVal = 0;
        for (int i = 0; i < 10; i++)
        {
            TcpSegment s = t.Next(out _);
            originalTsVal = i == 0 ? s.TsVal : originalTsVal;
        }
        TcpInfo before = ep.GetInfo();
        t.Advance(50);
        for (int i = 0; i < 3; i++)
        {
            TcpSegment dup = TcpTestContext.Seg(Ack, 5001, Data);
            dup.HasTimestamp = true;
            dup.TsVal = 102;
            dup.TsEcr = originalTsVal;
            t.Send(dup);
        }
        TcpSegment retransmission = t.Expect(Ack, seq: Data);
        Assert.True(retransmission.TsVal > originalTsVal);
        Assert.True(ep.GetInfo().CongestionWindow < before.CongestionWindow);
        TcpSegment ack = TcpTestContext.Seg(Ack, 5001, Data + 10 * mss);
        ack.HasTimestamp = true;
        ack.TsVal = 103;
        ack.TsEcr = originalTsVal;                    // the original segment, not the retransmission, was acknowledged
        t.Send(ack);
        TcpInfo after = ep.GetInfo();
        Assert.Equal(1, t.Tcp.Statistics.TCPTimestampUndo);
        // Restored, then grown by this ACK as by any ACK outside recovery (slow start: every segment it covers).
        Assert.Equal(before.CongestionWindow + 10 * mss, after.CongestionWindow);
        Assert.Equal(before.SlowStartThreshold, after.SlowStartThreshold);
    }

    /// <summary>A retransmission that was needed (its own timestamp is echoed) keeps the reduction.</summary>
    [Fact]
    public void EifelTimestampOfTheRetransmission_KeepsTheReduction()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: false, timestamps: true);
        uint mss = (uint)ep.GetInfo().SendMss;
        ep.Send(new byte[mss * 10], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        t.Advance(50);
        for (int i = 0; i < 3; i++)
        {
            t.Send(Ack, 5001, Data);
        }
        TcpSegment retransmission = t.Expect(Ack, seq: Data);
        uint reduced = ep.GetInfo().CongestionWindow;
        TcpSegment ack = TcpTestContext.Seg(Ack, 5001, Data + 10 * mss);
        ack.HasTimestamp = true;
        ack.TsVal = 103;
        ack.TsEcr = retransmission.TsVal;
        t.Send(ack);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimestampUndo);
        Assert.Equal(reduced, ep.GetInfo().CongestionWindow);
    }

    /// <summary>
    /// RFC 3522 with the RFC 4015 response, for a timeout: the ACK after the RTO retransmission echoes the original's
    /// timestamp, so the timeout was spurious: cwnd and ssthresh come back and the rest of the flight is not resent
    /// (go-back-N stops, SND.NXT returns to SND.MAX).
    /// </summary>
    [Fact]
    public void SpuriousTimeout_DetectedByTimestamps_IsUndone()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: false, timestamps: true);
        uint mss = (uint)ep.GetInfo().SendMss;
        ep.Send(new byte[mss * 10], false, out _);
        uint originalTsVal = t.Next(out _).TsVal;
        Assert.Equal(9, t.DrainDataSeqs().Count);
        TcpInfo before = ep.GetInfo();
        t.Advance(before.Rto);
        t.Expect(Ack, seq: Data);                     // the timeout resends the first segment, cwnd = 1 segment
        t.ExpectNothing();
        Assert.Equal(mss, ep.GetInfo().CongestionWindow);
        TcpSegment ack = TcpTestContext.Seg(Ack, 5001, Data + 5 * mss);
        ack.HasTimestamp = true;
        ack.TsVal = 103;
        ack.TsEcr = originalTsVal;                    // the ACK was for the original: the path was only slow
        t.Send(ack);
        Assert.Equal(1, t.Tcp.Statistics.TCPTimeouts);
        Assert.Equal(1, t.Tcp.Statistics.TCPTimestampUndo);
        Assert.True(ep.GetInfo().CongestionWindow >= before.CongestionWindow);
        Assert.Equal(before.SlowStartThreshold, ep.GetInfo().SlowStartThreshold);
        Assert.Empty(t.DrainDataSeqs());                        // segments 5-9 are still in flight: nothing is resent
    }

    /// <summary>
    /// RFC 5681 §4.1 / RFC 7661: after an idle period longer than the RTO, cwnd restarts from min(IW, cwnd);
    /// idle time shorter than the RTO leaves it alone.
    /// </summary>
    [Theory]
    [InlineData("newreno")]
    [InlineData("cubic")]
    public void CongestionWindow_RestartsAfterIdleLongerThanTheRto(string congestionControl)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: false, congestionControl);
        ep.Send(new byte[Mss * 30], false, out _);
        t.DrainDataSeqs();
        for (int i = 1; i <= 30; i++)
        {
            t.Advance(1);
            t.Send(Ack, 5001, SegmentAt(i));
        }
        t.Send(Ack, 5001, SegmentAt(30));
        t.DrainDataSeqs();
        uint grown = ep.GetInfo().CongestionWindow;
        Assert.True(grown > 10 * Mss, $"cwnd {grown} did not grow");

        t.Advance(ep.GetInfo().Rto / 2);              // shorter than the RTO: no restart
        int segments = (int)(grown / Mss);
        ep.Send(new byte[Mss * segments], false, out _);
        Assert.Equal(segments, t.DrainDataSeqs().Count);        // the whole window at once
        t.Send(Ack, 5001, SegmentAt(30 + segments));
        Assert.Equal(0u, ep.GetInfo().BytesInFlight);
        Assert.True(ep.GetInfo().CongestionWindow >= grown);

        t.Advance(ep.GetInfo().Rto * 5);              // idle for five RTOs
        ep.Send(new byte[Mss * 40], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);              // restart window: IW = 10 segments (RFC 6928)
        Assert.Equal(10 * Mss, ep.GetInfo().CongestionWindow);
    }

    [Fact]
    public void CongestionControl_CanBeSwitchedOnAConnection()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        Assert.Equal("cubic", ep.GetInfo().CongestionControl);
        ep.SetCongestionControl("newreno");
        Assert.Equal("reno", ep.GetInfo().CongestionControl);
        Assert.Equal(10 * Mss, ep.GetInfo().CongestionWindow);
        Assert.Throws<ArgumentException>(() => ep.SetCongestionControl("bbr"));
        Assert.Equal("reno", ep.CongestionControlName);
    }

    [Fact]
    public void UnknownCongestionControl_IsAnError()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TcpEndpointOptions { CongestionControl = "bbr" });
        Assert.Contains("cubic", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CongestionControlFactory.Create("vegas"));
        Assert.IsType<Cubic>(CongestionControlFactory.Create("CUBIC"));
        Assert.IsType<NewReno>(CongestionControlFactory.Create("newreno"));
        Assert.IsType<NewReno>(CongestionControlFactory.Create("reno"));
    }
}
