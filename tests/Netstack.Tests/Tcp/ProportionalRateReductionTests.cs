using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class ProportionalRateReductionTests
{
    private const uint Mss = 1000;

    [Fact]
    public void SingleLossSendsOneSegmentPerTwoAcksWithRenoHalving()
    {
        // RFC 6937 §4 example: 20 segments in flight, one lost, ssthresh = 10 segments.
        var prr = new ProportionalRateReduction();
        prr.Start(10 * Mss, 20 * Mss);
        uint pipe = 19 * Mss; // after the third duplicate ACK marks the first segment lost
        var sent = new List<uint>();
        for (int ack = 0; ack < 19; ack++)
        {
            pipe -= Mss; // one more segment delivered (SACKed)
            uint sndcnt = prr.OnAck(Mss, pipe, Mss);
            // Send whole segments only.
            uint segments = sndcnt / Mss;
            prr.OnSent(segments * Mss);
            pipe += segments * Mss;
            sent.Add(segments);
        }
        // The first ACK always allows the fast retransmit; after that one segment per two ACKs, converging on pipe = ssthresh.
        Assert.Equal(1u, sent[0]);
        Assert.All(sent, s => Assert.InRange(s, 0u, 1u));
        Assert.Equal(0u, sent[1] + sent[2]);
        Assert.Equal(1u, sent[3]);
        Assert.Equal(0u, sent[4]);
        Assert.Equal(1u, sent[5]);
        Assert.InRange(pipe, 9 * Mss, 10 * Mss);
        Assert.InRange((uint)sent.Sum(s => s), 9u, 10u);
    }

    [Fact]
    public void ProportionalPartMatchesTheFormula()
    {
        var prr = new ProportionalRateReduction();
        prr.Start(7 * Mss, 10 * Mss); // CUBIC's beta
        Assert.Equal(Mss, prr.OnAck(Mss, 9 * Mss, Mss)); // ceil(1000 * 7000 / 10000) = 700, raised to one MSS for the fast retransmit
        prr.OnSent(Mss);
        Assert.Equal(400u, prr.OnAck(Mss, 9 * Mss, Mss)); // ceil(2000 * 0.7) - 1000
        prr.OnSent(400);
        Assert.Equal(701u, prr.OnAck(1001, 9 * Mss, Mss)); // ceil(3001 * 0.7) = 2101 (2100.7 rounded up) - 1400
        Assert.Equal(3001u, prr.Delivered);
        Assert.Equal(1400u, prr.Sent);
    }

    [Fact]
    public void SlowStartReductionBoundAfterHeavyLoss()
    {
        var prr = new ProportionalRateReduction();
        prr.Start(10 * Mss, 20 * Mss);
        // Most of the window was lost: pipe is far below ssthresh. SSRB allows delivered + 1 MSS per ACK.
        Assert.Equal(2 * Mss, prr.OnAck(Mss, 2 * Mss, Mss));
        prr.OnSent(2 * Mss);
        Assert.Equal(2 * Mss, prr.OnAck(Mss, 3 * Mss, Mss));
        prr.OnSent(2 * Mss);
        // Never above ssthresh - pipe.
        Assert.Equal(Mss, prr.OnAck(5 * Mss, 9 * Mss, Mss));
    }

    [Fact]
    public void ConservativeBoundSendsNoMoreThanDelivered()
    {
        var prr = new ProportionalRateReduction { Conservative = true };
        prr.Start(10 * Mss, 20 * Mss);
        Assert.Equal(Mss, prr.OnAck(Mss, 2 * Mss, Mss));
        prr.OnSent(Mss);
        Assert.Equal(Mss, prr.OnAck(Mss, 2 * Mss, Mss));
        prr.OnSent(3 * Mss);
        Assert.Equal(0u, prr.OnAck(0, 2 * Mss, Mss));
    }

    [Fact]
    public void BelowSsthresh_TheExtraSegmentComesOnlyOnASafeAck()
    {
        // RFC 6937bis §5: pipe (1 segment) is far below ssthresh (7): the bound is MAX(prr_delivered − prr_out,
        // DeliveredData), plus one MSS only for an ACK that advanced SND.UNA and revealed no new loss.
        static ProportionalRateReduction AfterTwoAcks()
        {
            var prr = new ProportionalRateReduction();
            prr.Start(7 * Mss, 10 * Mss);
            Assert.Equal(Mss, prr.OnAck(Mss, 1 * Mss, Mss, safeAck: false));       // the ACK that found the losses: the fast retransmit only
            prr.OnSent(Mss);
            Assert.Equal(2 * Mss, prr.OnAck(2 * Mss, 1 * Mss, Mss, safeAck: false)); // packet-conserving: what was delivered
            prr.OnSent(2 * Mss);
            return prr;
        }
        Assert.Equal(3 * Mss, AfterTwoAcks().OnAck(2 * Mss, 1 * Mss, Mss, safeAck: true));
        Assert.Equal(2 * Mss, AfterTwoAcks().OnAck(2 * Mss, 1 * Mss, Mss, safeAck: false));
    }
}
