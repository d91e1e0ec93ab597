using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class CongestionControlTests
{
    private const uint Mss = 1000;

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    /// <summary>
    /// Acknowledges one window's worth of segments, one MSS per ACK spread over one RTT, from a cwnd-limited
    /// sender: it refills the window after every ACK, so the flight before each ACK equals cwnd.
    /// </summary>
    private static TimeSpan Round(ICongestionControl cc, TimeSpan now, TimeSpan rtt)
    {
        int acks = (int)Math.Max(1, cc.CongestionWindow / Mss);
        for (int i = 0; i < acks; i++)
        {
            cc.OnAck(Mss, cwndLimited: true, now + rtt * i / acks, rtt);
        }
        return now + rtt;
    }

    public static TheoryData<string> Algorithms => new() { "reno", "cubic" };

    private static ICongestionControl Create(string name) => name == "reno" ? new NewReno() : new Cubic();

    [Theory]
    [InlineData(536u, 5360u)]
    [InlineData(1460u, 14600u)]
    [InlineData(1000u, 10000u)]
    [InlineData(9000u, 18000u)]
    public void InitialWindowFollowsRfc6928(uint mss, uint expected)
    {
        var reno = new NewReno();
        reno.Init(mss, TimeSpan.Zero);
        Assert.Equal(Math.Min(10 * mss, Math.Max(2 * mss, 14600u)), reno.CongestionWindow);
        Assert.Equal(expected, reno.CongestionWindow);
        var cubic = new Cubic();
        cubic.Init(mss, TimeSpan.Zero);
        Assert.Equal(expected, cubic.CongestionWindow);
        Assert.Equal(uint.MaxValue, cubic.SlowStartThreshold);
        Assert.True(cubic.InSlowStart);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void SlowStartDoublesPerRtt(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = TimeSpan.Zero;
        uint expected = 10 * Mss;
        for (int round = 0; round < 5; round++)
        {
            Assert.Equal(expected, cc.CongestionWindow);
            now = Round(cc, now, Ms(50));
            expected *= 2;
        }
        Assert.True(cc.InSlowStart);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void StretchAckInSlowStartCountsEverySegmentItCovers(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        cc.OnAck(8 * Mss, cwndLimited: true, Ms(10), Ms(10)); // one stretch ACK for 8 segments, as from a GRO receiver
        Assert.Equal(18 * Mss, cc.CongestionWindow);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void StretchAckCrossingSsthreshGoesOnInCongestionAvoidance(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = Round(cc, TimeSpan.Zero, Ms(50));
        cc.OnRetransmitTimeout(20 * Mss, now); // cwnd 1 MSS, ssthresh 10 (Reno) or 14 (CUBIC) MSS
        uint ssthresh = cc.SlowStartThreshold;
        cc.OnAck(40 * Mss, cwndLimited: true, now + Ms(10), Ms(50));
        Assert.False(cc.InSlowStart);
        // Slow start stops at ssthresh; the other segments count towards congestion avoidance, which grows far less.
        Assert.InRange(cc.CongestionWindow, ssthresh, (uint)(1.5 * ssthresh) + Mss);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ApplicationLimitedSenderDoesNotGrowTheWindow(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        // The endpoint found the sender not cwnd-limited (CwndUsage): the ACKs leave cwnd alone.
        cc.OnAck(Mss, cwndLimited: false, Ms(10), Ms(10));
        cc.OnAck(Mss, cwndLimited: false, Ms(10), Ms(10));
        Assert.Equal(10 * Mss, cc.CongestionWindow);
    }

    [Fact]
    public void NewRenoHalvesFlightOnLossAndGrowsOneMssPerRttAfterwards()
    {
        var cc = new NewReno();
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = TimeSpan.Zero;
        for (int i = 0; i < 3; i++)
        {
            now = Round(cc, now, Ms(50));
        }
        Assert.Equal(80 * Mss, cc.CongestionWindow);
        cc.OnEnterRecovery(80 * Mss, now);
        Assert.Equal(40 * Mss, cc.SlowStartThreshold);
        Assert.Equal(40 * Mss, cc.CongestionWindow);
        Assert.False(cc.InSlowStart);
        cc.OnExitRecovery(now);
        for (int i = 1; i <= 5; i++)
        {
            now = Round(cc, now, Ms(50));
            Assert.Equal((40 + (uint)i) * Mss, cc.CongestionWindow);
        }
    }

    [Fact]
    public void NewRenoSsthreshIsAtLeastTwoMss()
    {
        var cc = new NewReno();
        cc.Init(Mss, TimeSpan.Zero);
        cc.OnEnterRecovery(Mss, TimeSpan.Zero);
        Assert.Equal(2 * Mss, cc.SlowStartThreshold);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void TimeoutCollapsesToOneMssAndRepeatedTimeoutsKeepSsthresh(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = Round(cc, TimeSpan.Zero, Ms(50));
        cc.OnRetransmitTimeout(20 * Mss, now);
        Assert.Equal(Mss, cc.CongestionWindow);
        uint ssthresh = cc.SlowStartThreshold;
        Assert.InRange(ssthresh, 10 * Mss, 14 * Mss);
        cc.OnRetransmitTimeout(20 * Mss, now + Ms(500));
        Assert.Equal(ssthresh, cc.SlowStartThreshold);
        Assert.True(cc.InSlowStart);
        cc.OnAck(Mss, cwndLimited: true, now + Ms(600), Ms(50));
        Assert.Equal(2 * Mss, cc.CongestionWindow);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void IdleLongerThanRtoRestartsTheWindow(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = TimeSpan.Zero;
        for (int i = 0; i < 4; i++)
        {
            now = Round(cc, now, Ms(50));
        }
        Assert.Equal(160 * Mss, cc.CongestionWindow);
        cc.RestartAfterIdle(Ms(100), Ms(200));
        Assert.Equal(160 * Mss, cc.CongestionWindow);
        cc.RestartAfterIdle(Ms(650), Ms(200)); // three whole RTOs elapsed: halved three times (Linux tcp_cwnd_restart)
        Assert.Equal(20 * Mss, cc.CongestionWindow);
        Assert.Equal(uint.MaxValue, cc.SlowStartThreshold);
        cc.RestartAfterIdle(TimeSpan.FromSeconds(60), Ms(200));
        Assert.Equal(10 * Mss, cc.CongestionWindow);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void SpuriousRecoveryRestoresTheWindow(string name)
    {
        var cc = Create(name);
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = Round(cc, TimeSpan.Zero, Ms(50));
        uint before = cc.CongestionWindow;
        cc.OnEnterRecovery(before, now);
        Assert.True(cc.CongestionWindow < before);
        cc.OnSpuriousRecovery();
        Assert.Equal(before, cc.CongestionWindow);
        Assert.True(cc.InSlowStart);
    }

    private static Cubic CubicAfterLoss(out TimeSpan now, int slowStartRounds = 4)
    {
        var cc = new Cubic();
        cc.Init(Mss, TimeSpan.Zero);
        now = TimeSpan.Zero;
        for (int i = 0; i < slowStartRounds; i++)
        {
            now = Round(cc, now, Ms(100));
        }
        cc.OnEnterRecovery(cc.CongestionWindow, now);
        cc.OnExitRecovery(now);
        return cc;
    }

    [Fact]
    public void CubicLossSetsBetaAndK()
    {
        var cc = CubicAfterLoss(out _);
        Assert.Equal(160, cc.WMax, 6);
        Assert.Equal(112, cc.CongestionWindowSegments, 6);
        Assert.Equal(112 * Mss, cc.SlowStartThreshold);
        Assert.False(cc.InSlowStart);
    }

    [Fact]
    public void CubicWindowFollowsTheCubicCurve()
    {
        var cc = CubicAfterLoss(out TimeSpan now);
        TimeSpan rtt = Ms(100);
        TimeSpan epoch = now;
        now = Round(cc, now, rtt);
        double k = Math.Cbrt(160 * (1 - Cubic.Beta) / Cubic.C);
        Assert.Equal(k, cc.K.TotalSeconds, 6);
        Assert.Equal(112, cc.WindowAt(TimeSpan.Zero), 6);
        Assert.Equal(160, cc.WindowAt(cc.K), 6);

        // cwnd tracks W_cubic(t) = C (t - K)^3 + W_max: at each RTT boundary it is within a few percent.
        for (int i = 1; i < 120; i++)
        {
            double t = (now - epoch).TotalSeconds;
            double expected = Cubic.C * Math.Pow(t - k, 3) + 160;
            Assert.InRange(cc.CongestionWindowSegments, expected * 0.97, expected * 1.03);
            now = Round(cc, now, rtt);
        }
    }

    [Fact]
    public void CubicIsConcaveBelowWMaxAndConvexAbove()
    {
        var cc = CubicAfterLoss(out TimeSpan now);
        TimeSpan rtt = Ms(100);
        TimeSpan epoch = now;
        var samples = new List<(double T, double W)>();
        for (int i = 0; i < 100; i++)
        {
            now = Round(cc, now, rtt);
            samples.Add(((now - epoch).TotalSeconds, cc.CongestionWindowSegments));
        }
        double k = cc.K.TotalSeconds;
        // Per-RTT growth shrinks while approaching W_max (concave) and increases after K (convex).
        int firstAfterK = samples.FindIndex(s => s.T > k + 0.5);
        Assert.True(firstAfterK > 10);
        double early = samples[2].W - samples[1].W;
        double nearK = samples[firstAfterK - 8].W - samples[firstAfterK - 9].W;
        double late = samples[^1].W - samples[^2].W;
        Assert.True(early > nearK, $"concave: {early} > {nearK}");
        Assert.True(late > nearK * 4, $"convex: {late} > {nearK}");
        Assert.True(samples[firstAfterK - 9].W < cc.WMax);
        Assert.True(samples[^1].W > cc.WMax);
    }

    [Fact]
    public void CubicFastConvergenceLowersWMax()
    {
        var cc = CubicAfterLoss(out TimeSpan now);
        Assert.Equal(160, cc.WMax, 6);
        // A second loss before regaining the old maximum: W_max = cwnd (1 + beta) / 2.
        now = Round(cc, now, Ms(100));
        double cwnd = cc.CongestionWindowSegments;
        Assert.True(cwnd < 160);
        cc.OnEnterRecovery(cc.CongestionWindow, now);
        Assert.Equal(cwnd * (1 + Cubic.Beta) / 2, cc.WMax, 6);
        Assert.Equal(cwnd * Cubic.Beta, cc.CongestionWindowSegments, 6);

        var slow = CubicAfterLoss(out TimeSpan now2);
        slow.FastConvergence = false;
        now2 = Round(slow, now2, Ms(100));
        double cwnd2 = slow.CongestionWindowSegments;
        slow.OnEnterRecovery(slow.CongestionWindow, now2);
        Assert.Equal(cwnd2, slow.WMax, 6);
    }

    [Fact]
    public void CubicUsesRenoFriendlyRegionAtSmallRtt()
    {
        var cc = CubicAfterLoss(out TimeSpan now);
        TimeSpan rtt = Ms(1);
        TimeSpan epoch = now;
        double alpha = 3 * (1 - Cubic.Beta) / (1 + Cubic.Beta);
        for (int i = 0; i < 50; i++)
        {
            now = Round(cc, now, rtt);
        }
        // After 50 ms of 1 ms RTTs the cubic curve has barely moved, but W_est grew by alpha per RTT.
        Assert.True(cc.WindowAt(now - epoch) < cc.RenoEstimate);
        Assert.Equal(cc.RenoEstimate, cc.CongestionWindowSegments, 6);
        Assert.InRange(cc.CongestionWindowSegments, (112 + 50 * alpha) * 0.97, (112 + 50 * alpha) * 1.03);

        // Once W_est passes cwnd_prior (160) it grows like Reno, one segment per RTT (RFC 9438 §4.3).
        for (int i = 50; i < 200; i++)
        {
            now = Round(cc, now, rtt);
        }
        double expected = 160 + (200 - (160 - 112) / alpha);
        Assert.Equal(cc.RenoEstimate, cc.CongestionWindowSegments, 6);
        Assert.InRange(cc.CongestionWindowSegments, expected * 0.97, expected * 1.03);
    }

    [Fact]
    public void CubicTimeoutStartsNextStageWithZeroK()
    {
        var cc = CubicAfterLoss(out TimeSpan now);
        cc.OnRetransmitTimeout(cc.CongestionWindow, now);
        Assert.Equal(Mss, cc.CongestionWindow);
        while (cc.InSlowStart)
        {
            now = Round(cc, now, Ms(100));
        }
        now = Round(cc, now, Ms(100));
        Assert.Equal(TimeSpan.Zero, cc.K);
    }

    [Fact]
    public void CubicReportsWholeSegmentsWhileItsWindowGrowsByFractions()
    {
        var cc = new Cubic();
        cc.Init(Mss, TimeSpan.Zero);
        TimeSpan now = Round(cc, TimeSpan.Zero, Ms(100));
        cc.OnEnterRecovery(cc.CongestionWindow, now);
        cc.OnExitRecovery(now);
        for (int i = 0; i < 5; i++)
        {
            cc.OnAck(Mss, cwndLimited: true, now + Ms(i), Ms(100));
            Assert.NotEqual(Math.Floor(cc.CongestionWindowSegments), cc.CongestionWindowSegments); // a fraction grew
            Assert.Equal(0u, cc.CongestionWindow % Mss);                                         // never a partial segment
        }
    }
}
