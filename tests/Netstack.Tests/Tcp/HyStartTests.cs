using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// CUBIC's HyStart (Linux tcp_cubic.c hystart_update): the delay and ACK-train signals end slow start with
/// ssthresh = cwnd, from a cwnd of 16 segments, once per connection. Time is passed in, as the endpoint's fake clock would.
/// </summary>
public class HyStartTests
{
    private const uint Mss = 1000;

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private static TimeSpan Us(double us) => TimeSpan.FromMicroseconds(us);

    /// <summary>
    /// A sender driven by hand: <see cref="Send"/> puts segments in flight, and each <see cref="Ack"/> gives CUBIC the
    /// RTT sample first and then the acknowledged bytes, in the order Linux calls pkts_acked and cong_avoid.
    /// </summary>
    private sealed class Flow
    {
        public Flow(HyStartDetection detection = HyStartDetection.Both)
        {
            Cc = new Cubic(detection);
            Cc.Init(Mss, TimeSpan.Zero);
        }

        public Cubic Cc { get; }

        public SeqNumber Una { get; private set; } = new(1);

        public SeqNumber Max { get; private set; } = new(1);

        public uint Cwnd => Cc.CongestionWindow / Mss;

        public bool Exited => Cc.SlowStartThreshold != uint.MaxValue;

        public void Send(uint segments) => Max += segments * Mss;

        /// <summary>An ACK of <paramref name="segments"/>; the flight is what was sent and not acknowledged unless given.</summary>
        public void Ack(uint segments, TimeSpan now, TimeSpan rtt, bool cwndLimited = true, uint? inFlight = null)
        {
            Una += segments * Mss;
            Cc.OnRttSample(new AckRttSample(rtt, Una, Max, rtt, inFlight ?? (uint)(Max - Una)), now);
            Cc.OnAck(segments * Mss, cwndLimited, now, rtt);
        }
    }

    /// <summary>
    /// packetdrill's cubic-hystart-delay-rtt-jumps-upward: min_RTT 200 ms, then a round whose samples are 240 ms and
    /// more. On the ninth sample of the round slow start ends with ssthresh = cwnd = 36, and cwnd stays there.
    /// </summary>
    [Fact]
    public void DelayRiseEndsSlowStartOnTheNinthSampleOfARound()
    {
        var f = new Flow();
        f.Send(10);
        f.Ack(10, Ms(200), Ms(200)); // cwnd 10 < 16: only min_RTT is learned
        Assert.Equal(20u, f.Cwnd);
        f.Send(20);
        TimeSpan now = Ms(440);
        for (int i = 0; i < 8; i++)
        {
            f.Ack(2, now, now - Ms(200));
            Assert.False(f.Exited);
            now += Ms(1);
        }
        Assert.Equal(36u, f.Cwnd);
        f.Ack(2, now, now - Ms(200));
        Assert.Equal(36u * Mss, f.Cc.SlowStartThreshold);
        Assert.Equal(36u * Mss, f.Cc.CongestionWindow);
        Assert.False(f.Cc.InSlowStart);
        Assert.Equal(HyStartDetection.Delay, f.Cc.HyStartFoundBy);
        f.Ack(2, now + Ms(1), now + Ms(1) - Ms(200)); // congestion avoidance now
        Assert.Equal(36u, f.Cwnd);
    }

    /// <summary>The delay margin is clamp(min_RTT/8, 4 ms, 16 ms): a rise to just below min_RTT + margin keeps slow start, just above ends it.</summary>
    [Theory]
    [InlineData(200, 15.9, false)]
    [InlineData(200, 16.1, true)] // 200/8 = 25 ms, clamped to 16
    [InlineData(20, 3.9, false)]
    [InlineData(20, 4.1, true)] // 20/8 = 2.5 ms, raised to 4
    [InlineData(80, 9.9, false)]
    [InlineData(80, 10.1, true)] // 80/8 = 10 ms
    public void DelayMarginIsAnEighthOfMinRttBetweenFourAndSixteenMs(double minRttMs, double riseMs, bool exits)
    {
        var f = new Flow(HyStartDetection.Delay);
        f.Send(100);
        f.Ack(6, Ms(minRttMs), Ms(minRttMs)); // cwnd 16: HyStart is on from the next sample
        TimeSpan now = Ms(minRttMs);
        for (int i = 0; i < 9; i++)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(minRttMs + riseMs));
        }
        Assert.Equal(exits, f.Exited);
    }

    /// <summary>hystart_low_window: while cwnd is below 16 segments a rise of the RTT counts for nothing; from 16 on, nine samples end slow start.</summary>
    [Fact]
    public void DelaySignalWaitsForACwndOfSixteen()
    {
        var f = new Flow();
        f.Send(200); // one long round
        TimeSpan now = Ms(100);
        f.Ack(1, now, Ms(100));
        for (int i = 0; i < 20; i++)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(150), cwndLimited: false); // application-limited: cwnd stays 11
        }
        Assert.Equal(11u, f.Cwnd);
        Assert.False(f.Exited);
        while (f.Cwnd < 16)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(150));
        }
        Assert.False(f.Exited);
        for (int sample = 1; sample <= 8; sample++)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(150), cwndLimited: false);
            Assert.False(f.Exited);
        }
        now += Ms(1);
        f.Ack(1, now, Ms(150), cwndLimited: false);
        Assert.True(f.Exited);
        Assert.Equal(16u * Mss, f.Cc.SlowStartThreshold);
    }

    /// <summary>
    /// A flat RTT on a long fat path: the ACKs of each round come as a short train (10 µs apart, far less than half of
    /// min_RTT), so neither signal fires and slow start goes on doubling.
    /// </summary>
    [Fact]
    public void FlatRttKeepsSlowStart()
    {
        var f = new Flow();
        TimeSpan now = TimeSpan.Zero;
        while (f.Cwnd < 4000)
        {
            uint window = f.Cwnd;
            f.Send(window);
            now += Ms(100);
            for (uint acked = 0; acked < window; acked += 2)
            {
                now += Us(10);
                f.Ack(2, now, Ms(100));
            }
            Assert.False(f.Exited, $"slow start ended at cwnd {f.Cwnd}");
        }
        Assert.Equal(HyStartDetection.None, f.Cc.HyStartFoundBy);
    }

    /// <summary>
    /// A continuous ACK stream, one per millisecond, on a path of min_RTT 20 ms: the pipe is full. In the first round
    /// with cwnd ≥ 16 the train passes (20 ms + 1 ms cushion)/2 = 10.5 ms on its 12th ACK, and slow start ends there.
    /// </summary>
    [Fact]
    public void AckTrainLongerThanHalfTheMinRttEndsSlowStart()
    {
        var f = new Flow(HyStartDetection.AckTrain);
        TimeSpan now = Ms(20);
        TimeSpan roundStart = TimeSpan.Zero;
        SeqNumber roundEnd = f.Max;
        uint cwndBefore = 0;
        while (!f.Exited && now < Ms(1000))
        {
            if (f.Una >= f.Max)
            {
                f.Send(f.Cwnd); // the next round's data
            }
            if (f.Una + Mss > roundEnd || roundStart == TimeSpan.Zero)
            {
                roundStart = now; // this ACK passes the round's end (SND.MAX when the round began): a new round
                roundEnd = f.Max;
            }
            cwndBefore = f.Cwnd;
            f.Ack(1, now, Ms(20));
            now += Ms(1);
        }
        Assert.True(f.Exited);
        Assert.Equal(HyStartDetection.AckTrain, f.Cc.HyStartFoundBy);
        Assert.Equal(Ms(11), now - Ms(1) - roundStart);
        Assert.True(cwndBefore >= 16);
        Assert.Equal(cwndBefore * Mss, f.Cc.SlowStartThreshold);
    }

    /// <summary>Only ACKs within 2 ms of the one before make a train: at 3 ms apart the same stream never ends slow start.</summary>
    [Fact]
    public void AckTrainBrokenByGapsKeepsSlowStart()
    {
        var f = new Flow();
        TimeSpan now = Ms(20);
        while (f.Cwnd < 300)
        {
            if (f.Una >= f.Max)
            {
                f.Send(f.Cwnd);
            }
            f.Ack(1, now, Ms(20));
            now += Ms(3);
        }
        Assert.False(f.Exited);
    }

    /// <summary>
    /// The cushion for TSO and GRO bunching on a short path (min_RTT 20 µs, 16 segments in flight: four 64 KiB bursts at
    /// twice that per SRTT take 163.84 µs): a train of 4 µs gaps does not end slow start before it passes
    /// (20 + 163.84)/2 = 91.92 µs, where without the cushion 10 µs would have ended it at the fourth ACK.
    /// </summary>
    [Fact]
    public void ShortPathTrainsWithinTheAckDelayCushionKeepSlowStart()
    {
        var f = new Flow(HyStartDetection.AckTrain);
        f.Send(6);
        f.Ack(6, Us(20), Us(20)); // cwnd 16
        Assert.Equal(16u, f.Cwnd);
        f.Send(100);
        TimeSpan start = Ms(1);
        int acks = 0;
        while (!f.Exited && acks < 100)
        {
            // cwnd and the flight stay 16 segments, so the cushion stays 163.84 µs
            f.Ack(1, start + Us(4 * acks), Us(20), cwndLimited: false, inFlight: 16 * Mss);
            acks++;
        }
        Assert.True(f.Exited);
        Assert.Equal(Us(92), Us(4 * (acks - 1))); // the first ACK past 91.92 µs
        Assert.Equal(163.84, HyStart.AckDelay(2.0 * 16 * Mss / Us(20).TotalSeconds).TotalMicroseconds, 1);
    }

    [Fact]
    public void AckDelayCushionIsFourGsoBurstsAtTheRateAtMostOneMs()
    {
        Assert.Equal(TimeSpan.Zero, HyStart.AckDelay(0)); // no rate before an RTT sample
        Assert.Equal(Ms(1), HyStart.AckDelay(1_000_000)); // 262 ms at 1 MB/s, capped
        Assert.Equal(26.2144, HyStart.AckDelay(10_000_000_000).TotalMicroseconds, 1);
    }

    /// <summary>
    /// A retransmission timeout resets HyStart (Linux cubictcp_state for TCP_CA_Loss): the next slow start learns min_RTT
    /// anew, so an RTT of 300 ms, a rise over the old 200 ms but flat since the timeout, lets it run to ssthresh.
    /// </summary>
    [Fact]
    public void TimeoutResetsMinRttAndTheFoundSignal()
    {
        var f = new Flow(HyStartDetection.Delay);
        f.Send(100);
        TimeSpan now = TimeSpan.Zero;
        while (f.Una < f.Max)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(200));
        }
        f.Send(1000); // the RTT rises in the next round
        for (int i = 0; i < 9; i++)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(240));
        }
        Assert.Equal(HyStartDetection.Delay, f.Cc.HyStartFoundBy);

        f.Cc.OnRetransmitTimeout(0, now);
        uint ssthresh = f.Cc.SlowStartThreshold;
        Assert.Equal(HyStartDetection.None, f.Cc.HyStartFoundBy);
        while (f.Cc.InSlowStart)
        {
            now += Ms(1);
            f.Ack(1, now, Ms(300));
        }
        Assert.Equal(HyStartDetection.None, f.Cc.HyStartFoundBy);
        Assert.Equal(ssthresh, f.Cc.SlowStartThreshold);
        Assert.True(f.Cwnd >= 60, $"cwnd {f.Cwnd}");
    }

    /// <summary>With the signal turned off the same rise keeps slow start (Linux hystart_detect without its bit).</summary>
    [Theory]
    [InlineData(HyStartDetection.None)]
    [InlineData(HyStartDetection.AckTrain)]
    public void DelayRiseWithoutTheDelaySignalKeepsSlowStart(HyStartDetection detection)
    {
        var f = new Flow(detection);
        f.Send(10);
        f.Ack(10, Ms(200), Ms(200));
        f.Send(20);
        TimeSpan now = Ms(440);
        for (int i = 0; i < 10; i++)
        {
            f.Ack(2, now, now - Ms(200));
            now += Ms(1);
        }
        Assert.False(f.Exited);
        Assert.Equal(40u, f.Cwnd);
    }
}
