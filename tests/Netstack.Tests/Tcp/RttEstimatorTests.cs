using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class RttEstimatorTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void InitialRtoIsOneSecond()
    {
        var e = new RttEstimator();
        Assert.False(e.HasSample);
        Assert.Equal(TimeSpan.FromSeconds(1), e.Rto);
    }

    [Fact]
    public void FirstSampleSetsSrttAndHalfVariance()
    {
        var e = new RttEstimator();
        e.AddSample(Ms(100));
        Assert.True(e.HasSample);
        Assert.Equal(Ms(100), e.SmoothedRtt);
        Assert.Equal(Ms(50), e.RttVariance);
        Assert.Equal(Ms(300), e.Rto); // 100 + 4 * 50
    }

    [Fact]
    public void SubsequentSamplesUseOneEighthAndOneQuarterGains()
    {
        var e = new RttEstimator();
        e.AddSample(Ms(100));
        e.AddSample(Ms(200));
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
        Assert.Equal(Ms(62.5), e.RttVariance);
        Assert.Equal(Ms(112.5), e.SmoothedRtt);
        Assert.Equal(Ms(112.5 + 250), e.Rto);
        Assert.Equal(Ms(200), e.LatestRtt);
    }

    [Fact]
    public void RtoStaysTheMinimumAboveSrttAndGranularityApplies()
    {
        var e = new RttEstimator();
        for (int i = 0; i < 200; i++)
        {
            e.AddSample(Ms(10));
        }
        Assert.Equal(Ms(10), e.SmoothedRtt);
        Assert.Equal(Ms(210), e.Rto); // SRTT + max(4·RTTVAR, 200 ms), as Linux's tcp_set_rto

        var first = new RttEstimator();
        first.AddSample(Ms(100));
        Assert.Equal(Ms(300), first.Rto); // 3·RTT after one sample (Linux: "make sure rto = 3*rtt")
        first.AddSample(Ms(100));
        Assert.Equal(Ms(300), first.Rto); // 4·RTTVAR = 150 ms < 200 ms

        var fine = new RttEstimator(minRto: TimeSpan.Zero, granularity: Ms(5));
        for (int i = 0; i < 200; i++)
        {
            fine.AddSample(Ms(10));
        }
        // RTTVAR decays towards zero, so max(G, 4 * RTTVAR) = G.
        Assert.Equal(Ms(15), fine.Rto);
    }

    [Fact]
    public void RtoIsClampedToMaximum()
    {
        var e = new RttEstimator(maxRto: TimeSpan.FromSeconds(60));
        e.AddSample(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(60), e.Rto);
    }

    [Fact]
    public void BackoffDoublesUpToTheMaximumAndSampleResetsIt()
    {
        var e = new RttEstimator(maxRto: TimeSpan.FromSeconds(10));
        e.AddSample(Ms(100));
        e.Backoff();
        Assert.Equal(Ms(600), e.Rto);
        e.Backoff();
        Assert.Equal(Ms(1200), e.Rto);
        for (int i = 0; i < 40; i++)
        {
            e.Backoff();
        }
        Assert.Equal(TimeSpan.FromSeconds(10), e.Rto);
        e.AddSample(Ms(100));
        Assert.Equal(0, e.BackoffCount);
        Assert.True(e.Rto < TimeSpan.FromSeconds(1));
        e.Backoff();
        e.ResetBackoff();
        Assert.Equal(0, e.BackoffCount);
    }

    [Fact]
    public void BackoffAppliesToTheInitialRto()
    {
        var e = new RttEstimator();
        e.Backoff();
        e.Backoff();
        Assert.Equal(TimeSpan.FromSeconds(4), e.Rto);
        e.Reset();
        Assert.Equal(TimeSpan.FromSeconds(1), e.Rto);
    }
}
