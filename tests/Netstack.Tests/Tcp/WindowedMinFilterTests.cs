using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class WindowedMinFilterTests
{
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void TracksTheMinimumWithinTheWindow()
    {
        var f = new WindowedMinFilter(S(10));
        Assert.False(f.HasValue);
        Assert.Equal(Ms(50), f.Update(S(0), Ms(50)));
        Assert.Equal(Ms(40), f.Update(S(1), Ms(40)));
        Assert.Equal(Ms(40), f.Update(S(2), Ms(60)));
        Assert.Equal(Ms(40), f.Update(S(9), Ms(45)));
    }

    [Fact]
    public void OldMinimumAgesOutToARecentSample()
    {
        var f = new WindowedMinFilter(S(10));
        f.Update(S(0), Ms(10));   // path minimum that later disappears (route change)
        for (int t = 1; t <= 30; t++)
        {
            f.Update(S(t), Ms(100 + (t % 3)));
        }
        Assert.InRange(f.Value, Ms(100), Ms(102));
    }

    [Fact]
    public void NewLowerSampleResetsImmediately()
    {
        var f = new WindowedMinFilter(S(10));
        f.Update(S(0), Ms(100));
        f.Update(S(5), Ms(80));
        Assert.Equal(Ms(80), f.Value);
        Assert.Equal(Ms(70), f.Update(S(6), Ms(70)));
    }

    [Fact]
    public void EverythingOlderThanTheWindowIsForgotten()
    {
        var f = new WindowedMinFilter(S(10));
        f.Update(S(0), Ms(10));
        f.Update(S(1), Ms(20));
        f.Update(S(2), Ms(30));
        Assert.Equal(Ms(200), f.Update(S(100), Ms(200)));
    }
}
