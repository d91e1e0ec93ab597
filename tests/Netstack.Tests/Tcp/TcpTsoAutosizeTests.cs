using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>Super-segment sizes from Linux's tcp_tso_autosize rule: about 1 ms at the pacing rate, at least 2 MSS.</summary>
public class TcpTsoAutosizeTests
{
    private const int Mss = 1000, Gso = 64000;

    [Fact]
    public void SlowPath_TwoSegments()
    {
        // 2 × 10 000 B per 100 ms = 200 kB/s: 195 B per ms, below one MSS, so the floor of 2.
        Assert.Equal(2, TcpTsoAutosize.MaxSegments(10_000, uint.MaxValue, 0, Mss, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), Gso));
    }

    [Fact]
    public void FasterRate_MoreSegments_AndCongestionAvoidanceUsesTheSmallerRatio()
    {
        TimeSpan rtt = TimeSpan.FromMilliseconds(10);
        // slow start: 2 × 100 000 B per 10 ms = 20 MB/s: 19 531 B per 1/1024 s.
        Assert.Equal(19, TcpTsoAutosize.MaxSegments(100_000, uint.MaxValue, 0, Mss, rtt, rtt, Gso));
        // cwnd at ssthresh: 1.2 × instead of 2 ×.
        Assert.Equal(11, TcpTsoAutosize.MaxSegments(100_000, 100_000, 0, Mss, rtt, rtt, Gso));
    }

    [Fact]
    public void ShortMinRtt_FullSize()
    {
        TimeSpan rtt = TimeSpan.FromMicroseconds(50); // under 512 µs: the whole GSO size as a bonus
        Assert.Equal(Gso / Mss, TcpTsoAutosize.MaxSegments(10_000, uint.MaxValue, 0, Mss, TimeSpan.FromMilliseconds(100), rtt, Gso));
    }

    [Fact]
    public void NoRttSample_Unlimited() =>
        Assert.Equal(int.MaxValue, TcpTsoAutosize.MaxSegments(10_000, uint.MaxValue, 0, Mss, TimeSpan.Zero, TimeSpan.Zero, Gso));
}
