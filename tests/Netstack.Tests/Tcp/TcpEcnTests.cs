using Netstack.Link;
using Netstack.Transport.Tcp;
using Netstack.Wire;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Explicit Congestion Notification (RFC 3168 §6.1) against a scripted peer: the handshake agreement, which segments
/// carry ECT(0), the ECN-Echo a CE mark starts and the peer's CWR ends, and the one window reduction per window of
/// data an echo causes, announced with CWR. Our ISS is 1000 (data from 1001), the peer's 5000; segments carry 1460 bytes.
/// </summary>
public class TcpEcnTests
{
    private const int Mss = TcpTestContext.PeerMss;
    private const uint Data = TcpTestContext.DefaultIss + 1; // our first data byte

    /// <summary>A passive open whose SYN asks for ECN (ECE and CWR, §6.1.1); the SYN-ACK must agree with ECE alone.</summary>
    private static TcpEndpoint EstablishEcn(TcpTestContext t, TcpEndpointOptions? options = null)
    {
        TcpListenSocket listener = t.Listen(options: options ?? new TcpEndpointOptions());
        TcpSegment syn = TcpTestContext.Seg(Syn | Ece | Cwr, 5000);
        syn.Mss = Mss;
        t.Send(syn);
        t.Expect(Syn | Ack | Ece, seq: 1000, ack: 5001);
        Assert.Equal(EcnCodepoint.NotEct, t.LastEcn); // §6.1.1: SYN-ACKs are not ECT
        t.Send(Ack, 5001, 1001);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        return ep;
    }

    private static byte[] Bytes(int count) => new byte[count];

    [Fact]
    public void Passive_open_agrees_to_an_ecn_setup_syn_by_default()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishEcn(t);
        Assert.True(ep.GetInfo().Ecn);
    }

    [Theory]
    [InlineData(Ece, EcnCodepoint.NotEct)]              // ECE alone is no request
    [InlineData(Cwr, EcnCodepoint.NotEct)]
    [InlineData(Ece | Cwr, EcnCodepoint.Ect0)]          // an ECT SYN: something rewrites the field (Linux declines too)
    public void Passive_open_declines_what_is_not_an_ecn_setup_syn(TcpFlags ecnFlags, EcnCodepoint synEcn)
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn | ecnFlags, 5000);
        t.Send(syn, ecn: synEcn);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Send(Ack, 5001, 1001);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.False(ep.GetInfo().Ecn);
    }

    [Fact]
    public void Passive_open_with_ecn_disabled_declines()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen(options: new TcpEndpointOptions { Ecn = TcpEcnMode.Disabled });
        t.Send(Syn | Ece | Cwr, 5000);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Send(Ack, 5001, 1001);
        Assert.False(listener.TryAccept(false, out _)!.GetInfo().Ecn);
    }

    [Fact]
    public void Active_open_asks_only_when_told_to()
    {
        using var t = new TcpTestContext();
        t.Connect();
        t.Expect(Syn, seq: 1000); // AcceptOnly, Linux's tcp_ecn=2: our SYNs do not ask
    }

    [Theory]
    [InlineData(Ece, true)]
    [InlineData(Ece | Cwr, false)]  // §6.1.1: a SYN-ACK with both set reflects our flags, it does not agree
    [InlineData(None, false)]
    public void Active_open_with_request_agrees_only_on_a_syn_ack_with_ece_alone(TcpFlags synAckFlags, bool agreed)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect(new TcpEndpointOptions { Ecn = TcpEcnMode.RequestAndAccept, NoDelay = true });
        t.Expect(Syn | Ece | Cwr, seq: 1000);
        Assert.Equal(EcnCodepoint.NotEct, t.LastEcn);
        t.Send(Syn | Ack | synAckFlags, 7000, 1001);
        t.Expect(Ack, seq: 1001, ack: 7001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        Assert.Equal(agreed, ep.GetInfo().Ecn);

        ep.Send("data"u8, false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(agreed ? EcnCodepoint.Ect0 : EcnCodepoint.NotEct, t.LastEcn);
    }

    [Fact]
    public void A_retransmitted_syn_no_longer_asks()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect(new TcpEndpointOptions { Ecn = TcpEcnMode.RequestAndAccept });
        t.Expect(Syn | Ece | Cwr, seq: 1000);
        t.Advance(TimeSpan.FromSeconds(1)); // the initial RTO
        t.Expect(Syn, seq: 1000);            // §6.1.1.1 / Linux tcp_ecn_fallback: a middlebox may drop ECN-setup SYNs
        t.Send(Syn | Ack | Ece, 7000, 1001); // an ECE now answers nothing we asked
        t.Expect(Ack, seq: 1001, ack: 7001);
        Assert.False(ep.GetInfo().Ecn);
    }

    [Fact]
    public void New_data_is_ect0_but_pure_acks_and_retransmissions_are_not()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishEcn(t);
        ep.Send(Bytes(2 * Mss), false, out _);
        t.Expect(Ack, seq: Data);
        Assert.Equal(EcnCodepoint.Ect0, t.LastEcn);
        t.Expect(Ack | Psh, seq: Data + Mss);
        Assert.Equal(EcnCodepoint.Ect0, t.LastEcn);

        t.Send(Ack | Psh, 5001, Data, payload: "x"u8);
        t.Advance(50); // the delayed ACK
        t.Expect(Ack, seq: Data + 2 * Mss, ack: 5002);
        Assert.Equal(EcnCodepoint.NotEct, t.LastEcn); // §6.1.4: pure ACKs are not ECT

        t.Advance(TimeSpan.FromSeconds(1));          // RTO: the first segment again
        t.Expect(Ack, seq: Data);
        Assert.Equal(EcnCodepoint.NotEct, t.LastEcn); // §6.1.5: retransmissions are not ECT
    }

    [Fact]
    public void A_ce_mark_is_echoed_at_once_and_until_the_peer_sends_cwr()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishEcn(t, new TcpEndpointOptions { NoDelay = true });
        uint peer = 5001;

        t.Send(TcpTestContext.Seg(Ack, peer, Data), new byte[100], ecn: EcnCodepoint.Ce);
        peer += 100;
        t.Expect(Ack | Ece, seq: Data, ack: peer); // §6.1.3, at once: the sender's window may be small
        t.ExpectNothing();

        t.Send(TcpTestContext.Seg(Ack, peer, Data), new byte[100], ecn: EcnCodepoint.Ect0);
        peer += 100;
        t.Advance(50);
        t.Expect(Ack | Ece, ack: peer);             // still owed: no CWR yet

        ep.Send("reply"u8, false, out _);
        t.Expect(Ack | Psh | Ece, seq: Data);        // data carries the echo too
        Assert.Equal(EcnCodepoint.Ect0, t.LastEcn);

        t.Send(TcpTestContext.Seg(Ack | Cwr, peer, Data + 5), new byte[100], ecn: EcnCodepoint.Ect0);
        peer += 100;
        t.Advance(50);
        t.Expect(Ack, ack: peer);                    // the peer reduced: the echo ends
        t.ExpectNothing();
    }

    [Fact]
    public void A_cwr_and_a_new_ce_in_one_segment_keep_the_echo_going()
    {
        using var t = new TcpTestContext();
        EstablishEcn(t);
        t.Send(TcpTestContext.Seg(Ack, 5001, Data), new byte[100], ecn: EcnCodepoint.Ce);
        t.Expect(Ack | Ece, ack: 5101);
        t.Send(TcpTestContext.Seg(Ack | Cwr, 5101, Data), new byte[100], ecn: EcnCodepoint.Ce);
        t.Advance(50);
        t.Expect(Ack | Ece, ack: 5201); // CWR answers the old mark, the new one needs its own
    }

    [Fact]
    public void An_echo_reduces_the_window_once_per_window_and_cwr_marks_the_next_new_data()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishEcn(t, new TcpEndpointOptions { CongestionControl = "newreno" });
        ep.Send(Bytes(40 * Mss), false, out _);
        List<uint> first = t.DrainDataSeqs();
        Assert.Equal(10, first.Count); // the initial window
        uint windowEnd = Data + 10 * Mss;
        uint cwndBefore = ep.GetInfo().CongestionWindow;

        // The peer saw CE on the first segment: its ACK echoes it. §6.1.2: halve, retransmit nothing.
        t.Send(Ack | Ece, 5001, Data + Mss);
        TcpInfo reduced = ep.GetInfo();
        Assert.Equal(1, t.Tcp.Statistics.TCPECNReductions);
        Assert.True(reduced.CongestionWindow < cwndBefore, $"cwnd {reduced.CongestionWindow} not below {cwndBefore}");
        Assert.Equal(9u * Mss / 2, reduced.SlowStartThreshold); // Reno: FlightSize / 2, nine segments in flight
        Assert.Equal(0, t.Tcp.Statistics.RetransSegs);

        // Further echoes for the same window (the peer has not seen our CWR) change nothing.
        var sent = new List<(uint Seq, TcpFlags Flags, EcnCodepoint Ecn)>();
        for (int i = 2; i <= 10; i++)
        {
            t.Send(Ack | Ece, 5001, Data + (uint)(i * Mss));
            DrainInto(t, sent);
        }
        Assert.Equal(1, t.Tcp.Statistics.TCPECNReductions);
        Assert.Equal(0, t.Tcp.Statistics.RetransSegs);

        // The first new data segment after the reduction carries CWR, and only it; all of them are ECT(0).
        Assert.NotEmpty(sent);
        Assert.All(sent, s => Assert.True(s.Seq >= windowEnd && s.Ecn == EcnCodepoint.Ect0));
        Assert.Equal(Ack | Cwr, sent[0].Flags);
        Assert.All(sent.Skip(1), s => Assert.True((s.Flags & Cwr) == 0, $"CWR again at {s.Seq}"));
        Assert.Equal(windowEnd, sent[0].Seq);

        // An echo for data sent after the reduction is a new congestion signal: a second reduction, a second CWR.
        uint sndMax = sent.Max(s => s.Seq) + Mss;
        t.Send(Ack | Ece, 5001, windowEnd + Mss);
        Assert.Equal(2, t.Tcp.Statistics.TCPECNReductions);
        DrainInto(t, sent);
        sent.Clear();
        t.Send(Ack, 5001, sndMax); // everything acknowledged: the window opens for new data
        DrainInto(t, sent);
        Assert.NotEmpty(sent);
        Assert.Equal(sndMax, sent[0].Seq);
        Assert.Equal(Ack | Cwr, sent[0].Flags);
        Assert.Equal(1, sent.Count(s => (s.Flags & Cwr) != 0));
        Assert.True(t.Tcp.Statistics.TCPDeliveredCE >= 11);
    }

    [Fact]
    public void An_echo_during_loss_recovery_does_not_reduce_again()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishEcn(t, new TcpEndpointOptions { CongestionControl = "newreno" });
        ep.Send(Bytes(20 * Mss), false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        for (int i = 0; i < 3; i++)
        {
            t.Send(Ack, 5001, Data); // three duplicate ACKs: fast retransmit
        }
        uint sndMax = t.DrainDataSeqs().Max() + Mss; // limited transmit sent new data, then Data was retransmitted
        Assert.Equal(1, t.Tcp.Statistics.TCPFastRetrans);
        uint ssthresh = ep.GetInfo().SlowStartThreshold;

        t.Send(Ack | Ece, 5001, Data); // the same congestion, echoed
        Assert.Equal(0, t.Tcp.Statistics.TCPECNReductions);
        Assert.Equal(ssthresh, ep.GetInfo().SlowStartThreshold);

        // The recovery's reduction queued CWR: the first new data after it carries it (§6.1.2), ECT(0) like all new data.
        var sent = new List<(uint Seq, TcpFlags Flags, EcnCodepoint Ecn)>();
        DrainInto(t, sent);
        t.Send(Ack, 5001, sndMax); // the full ACK ends the episode
        DrainInto(t, sent);
        List<(uint Seq, TcpFlags Flags, EcnCodepoint Ecn)> fresh = sent.Where(s => s.Seq >= sndMax).ToList();
        Assert.NotEmpty(fresh);
        Assert.Equal((sndMax, Ack | Cwr, EcnCodepoint.Ect0), fresh[0]);
        Assert.Equal(1, sent.Count(s => (s.Flags & Cwr) != 0));
    }

    [Fact]
    public void Without_agreement_marks_are_ignored_and_nothing_is_ect()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        Assert.False(ep.GetInfo().Ecn);
        t.Send(TcpTestContext.Seg(Ack, 5001, Data), new byte[100], ecn: EcnCodepoint.Ce);
        t.Advance(50);
        t.Expect(Ack, ack: 5101); // no ECE

        ep.Send(Bytes(4 * Mss), false, out _);
        for (int i = 0; i < 4; i++)
        {
            t.Next(out _);
            Assert.Equal(EcnCodepoint.NotEct, t.LastEcn);
        }
        uint cwnd = ep.GetInfo().CongestionWindow;
        t.Send(Ack | Ece, 5101, Data + Mss);
        Assert.Equal(0, t.Tcp.Statistics.TCPECNReductions);
        Assert.True(ep.GetInfo().CongestionWindow >= cwnd);
    }

    [Fact]
    public void A_syn_cookie_carries_the_ecn_agreement_in_the_timestamp()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen(backlog: 1);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack); // the backlog is full now
        TcpSegment syn = TcpTestContext.Seg(Syn | Ece | Cwr, 7000);
        syn.SourcePort = 50002;
        syn.Mss = Mss;
        syn.HasTimestamp = true;
        syn.TsVal = 4242;
        t.Send(syn);
        TcpSegment synAck = t.Expect(Syn | Ack | Ece, ack: 7001);
        Assert.Equal(1, t.Tcp.Statistics.SyncookiesSent);

        TcpSegment ack = TcpTestContext.Seg(Ack, 7001, synAck.Seq.Value + 1);
        ack.SourcePort = 50002;
        ack.HasTimestamp = true;
        ack.TsVal = 4243;
        ack.TsEcr = synAck.TsVal;
        t.Send(ack);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.True(ep.GetInfo().Ecn);
    }

    /// <summary>
    /// Two of our stacks over a link that marks CE on 5 % of the ECT packets each way (netem's <c>ecn</c>; Not-ECT ones,
    /// pure ACKs, it drops): the data arrives whole both ways, each side echoes the other's marks and each reduces.
    /// </summary>
    [Fact]
    public void Two_stacks_over_a_marking_link_echo_and_reduce_both_ways()
    {
        using var p = new TcpPair(impairedLink: new ImpairmentOptions { Loss = 0.05, Ecn = true, Seed = 3168 });
        var options = new TcpEndpointOptions { Ecn = TcpEcnMode.RequestAndAccept };
        (TcpEndpoint client, TcpEndpoint server, Netstack.Sockets.TcpConnectionListener listener) = p.Connect(clientOptions: options);
        Assert.True(client.GetInfo().Ecn && server.GetInfo().Ecn);
        var random = new Random(7);
        byte[] up = new byte[1 << 20];
        byte[] down = new byte[512 * 1024];
        random.NextBytes(up);
        random.NextBytes(down);

        Assert.Equal(up, p.Transfer(client, server, up));
        Assert.Equal(down, p.Transfer(server, client, down));

        Assert.True(p.Impaired!.Outbound.Marked > 0 && p.Impaired.Inbound.Marked > 0, $"out: {p.Impaired.Outbound}; in: {p.Impaired.Inbound}");
        Assert.True(p.B.GetStatistics().Ip.InCEPkts > 0 && p.A.GetStatistics().Ip.InCEPkts > 0);
        Assert.True(p.TcpA.Statistics.TCPECNReductions > 0, "the sender of the marked upload did not reduce");
        Assert.True(p.TcpB.Statistics.TCPECNReductions > 0, "the sender of the marked download did not reduce");
        Assert.True(p.TcpA.Statistics.TCPDeliveredCE > 0 && p.TcpB.Statistics.TCPDeliveredCE > 0);
        client.Abort();
        server.Abort();
        p.Pump();
        listener.Dispose();
    }

    private static void DrainInto(TcpTestContext t, List<(uint Seq, TcpFlags Flags, EcnCodepoint Ecn)> sent)
    {
        while (t.Host.Sent.Count > 0)
        {
            TcpSegment s = t.Next(out byte[] payload);
            if (payload.Length > 0)
            {
                sent.Add((s.Seq.Value, s.Flags & ~Psh, t.LastEcn));
            }
        }
    }
}
