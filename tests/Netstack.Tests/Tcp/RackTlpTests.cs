using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class RackTlpTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private static SeqNumber Seq(uint v) => new(v);

    [Fact]
    public void ReorderWindowIsQuarterMinRttCappedBySrtt()
    {
        var r = new RackTlp();
        Assert.Equal(Ms(25), r.ReorderWindow(Ms(150), Ms(100)));
        Assert.Equal(Ms(25), r.CurrentReorderWindow);
        Assert.Equal(Ms(10), r.ReorderWindow(Ms(10), Ms(100)));
    }

    [Fact]
    public void ReorderWindowIsZeroInRecoveryOrAfterDupThreshSacksUntilReorderingIsSeen()
    {
        var r = new RackTlp();
        Assert.Equal(TimeSpan.Zero, r.ReorderWindow(Ms(150), Ms(100), inRecovery: true, sackedSegments: 0));
        Assert.Equal(TimeSpan.Zero, r.ReorderWindow(Ms(150), Ms(100), inRecovery: false, sackedSegments: 3));
        Assert.Equal(Ms(25), r.ReorderWindow(Ms(150), Ms(100), inRecovery: false, sackedSegments: 2));

        // Segment ending at 2000 delivered, then an original transmission ending at 1000: reordering.
        r.OnSegmentDelivered(Ms(10), Seq(2000), false, Ms(100));
        r.OnSegmentDelivered(Ms(5), Seq(1000), false, Ms(105));
        Assert.True(r.ReorderingSeen);
        Assert.Equal(Ms(25), r.ReorderWindow(Ms(150), Ms(100), inRecovery: true, sackedSegments: 5));
    }

    [Fact]
    public void RetransmittedSegmentBelowFackIsNotReordering()
    {
        var r = new RackTlp();
        r.OnSegmentDelivered(Ms(10), Seq(2000), false, Ms(100));
        r.OnSegmentDelivered(Ms(150), Seq(1000), true, Ms(100));
        Assert.False(r.ReorderingSeen);
    }

    [Fact]
    public void DsackWidensTheWindowOncePerRoundAndDecaysAfterSixteenRecoveries()
    {
        var r = new RackTlp();
        r.OnDsack(Seq(100), Seq(5000));
        r.OnDsack(Seq(200), Seq(6000)); // same round: SND.UNA has not reached 5000
        Assert.Equal(2, r.ReorderWindowMultiplier);
        Assert.Equal(Ms(50), r.ReorderWindow(Ms(150), Ms(100)));
        r.OnDsack(Seq(5000), Seq(7000));
        Assert.Equal(3, r.ReorderWindowMultiplier);
        Assert.Equal(Ms(75), r.ReorderWindow(Ms(150), Ms(100)));
        r.OnDsack();
        Assert.Equal(Ms(100), r.ReorderWindow(Ms(150), Ms(100)));
        for (int i = 0; i < RackTlp.ReorderWindowPersistRounds - 1; i++)
        {
            r.OnRecoveryExit();
            Assert.Equal(4, r.ReorderWindowMultiplier);
        }
        r.OnRecoveryExit();
        Assert.Equal(1, r.ReorderWindowMultiplier);
    }

    [Fact]
    public void SegmentSentBeforeADeliveredOneIsLostAfterRttPlusReorderWindow()
    {
        var r = new RackTlp();
        // Segments A (sent at 0, ends 1000) and B (sent at 1 ms, ends 2000); B is SACKed at 101 ms.
        r.OnSegmentDelivered(Ms(1), Seq(2000), false, Ms(100));
        Assert.Equal(Ms(1), r.XmitTime);
        Assert.Equal(Seq(2000), r.EndSeq);
        Assert.Equal(Ms(100), r.Rtt);
        r.ReorderWindow(Ms(100), Ms(100)); // 25 ms

        Assert.False(r.IsLost(Ms(0), Seq(1000), Ms(101), out TimeSpan remaining));
        Assert.Equal(Ms(24), remaining); // 0 + 100 + 25 - 101
        Assert.True(r.IsLost(Ms(0), Seq(1000), Ms(125), out remaining));
        Assert.Equal(TimeSpan.Zero, remaining);

        // A segment sent after B cannot be judged yet.
        Assert.False(r.IsLost(Ms(2), Seq(3000), Ms(1000), out remaining));
        Assert.Equal(TimeSpan.Zero, remaining);
        // Same send time: the sequence breaks the tie.
        Assert.True(r.IsLost(Ms(1), Seq(1500), Ms(1000), out _));
        Assert.False(r.IsLost(Ms(1), Seq(2500), Ms(1000), out _));
    }

    [Fact]
    public void AmbiguousRetransmissionSampleIsIgnored()
    {
        var r = new RackTlp();
        r.OnSegmentDelivered(Ms(0), Seq(1000), false, Ms(100));
        // An ACK for the original arriving 10 ms after the retransmission: shorter than min RTT.
        r.OnSegmentDelivered(Ms(300), Seq(2000), true, Ms(10));
        Assert.Equal(Ms(0), r.XmitTime);
        Assert.Equal(Ms(100), r.Rtt);
        r.OnSegmentDelivered(Ms(300), Seq(2000), true, Ms(120));
        Assert.Equal(Ms(300), r.XmitTime);
        Assert.Equal(Ms(120), r.Rtt);
    }

    [Fact]
    public void ProbeTimeoutFormula()
    {
        var r = new RackTlp();
        Assert.Equal(Ms(200), r.ProbeTimeout(Ms(100), false, TimeSpan.FromSeconds(1)));
        Assert.Equal(Ms(400), r.ProbeTimeout(Ms(100), true, TimeSpan.FromSeconds(1)));
        Assert.Equal(Ms(300), r.ProbeTimeout(Ms(100), true, Ms(300)));
        Assert.Equal(TimeSpan.FromSeconds(1), r.ProbeTimeout(TimeSpan.Zero, false, TimeSpan.FromSeconds(3)));
        r.MaxAckDelay = Ms(40);
        Assert.Equal(Ms(240), r.ProbeTimeout(Ms(100), true, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void ProbeOutcomes()
    {
        var r = new RackTlp();
        Assert.Equal(TlpOutcome.None, r.OnAckForProbe(Seq(5000), false, false));

        r.OnProbeSent(Seq(5000), retransmission: false);
        Assert.True(r.ProbeOutstanding);
        Assert.Equal(TlpOutcome.None, r.OnAckForProbe(Seq(4000), false, false));
        Assert.Equal(TlpOutcome.Delivered, r.OnAckForProbe(Seq(5000), false, false));
        Assert.False(r.ProbeOutstanding);

        r.OnProbeSent(Seq(5000), retransmission: true);
        Assert.Equal(TlpOutcome.None, r.OnAckForProbe(Seq(5000), false, isDuplicateAck: true));
        Assert.Equal(TlpOutcome.Redundant, r.OnAckForProbe(Seq(5000), true, isDuplicateAck: true));

        r.OnProbeSent(Seq(5000), retransmission: true);
        Assert.Equal(TlpOutcome.LossRepaired, r.OnAckForProbe(Seq(5000), false, isDuplicateAck: false));

        r.OnProbeSent(Seq(5000), retransmission: true);
        r.CancelProbe();
        Assert.Equal(TlpOutcome.None, r.OnAckForProbe(Seq(6000), false, false));
    }
}
