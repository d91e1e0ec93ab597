using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class ReceiveBufferAutoTunerTests
{
    private const uint Mss = 1000;

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void GrowsWithConsumptionPerRttAndIsCapped()
    {
        var t = new ReceiveBufferAutoTuner(initialBuffer: 64 * 1024, maxBuffer: 4 * 1024 * 1024, advMss: Mss);
        Assert.Equal(10 * Mss, t.Space);
        TimeSpan rtt = Ms(10);
        TimeSpan now = TimeSpan.Zero;
        Assert.False(t.Adjust(now, rtt)); // starts the first measurement

        // The application reads 20 segments in one RTT: twice the previous space.
        t.OnCopied(20 * Mss);
        Assert.False(t.Adjust(now + Ms(5), rtt)); // less than an RTT: no decision yet
        now += rtt;
        Assert.True(t.Adjust(now, rtt));
        // rcvwin = 2*20000 + 16*1000 = 56000; grow = 56000 * (20000-10000)/10000 = 56000; + 2*56000 = 168000.
        Assert.Equal(168_000u, t.Buffer);
        Assert.Equal(20 * Mss, t.Space);

        // The same rate again does not grow the buffer.
        t.OnCopied(20 * Mss);
        now += rtt;
        Assert.False(t.Adjust(now, rtt));
        Assert.Equal(168_000u, t.Buffer);

        // A fast reader drives it to the cap and no further.
        for (int i = 0; i < 10; i++)
        {
            t.OnCopied(4 * 1024 * 1024);
            now += rtt;
            t.Adjust(now, rtt);
        }
        Assert.Equal(4u * 1024 * 1024, t.Buffer);
    }

    [Fact]
    public void SlowReaderNeverShrinksOrGrowsTheBuffer()
    {
        var t = new ReceiveBufferAutoTuner(initialBuffer: 64 * 1024, maxBuffer: 1 << 20, advMss: Mss);
        TimeSpan now = TimeSpan.Zero;
        t.Adjust(now, Ms(10));
        for (int i = 0; i < 100; i++)
        {
            t.OnCopied(Mss);
            now += Ms(10);
            Assert.False(t.Adjust(now, Ms(10)));
        }
        Assert.Equal(64u * 1024, t.Buffer);
    }

    [Fact]
    public void NoRttEstimateMeansNoMeasurement()
    {
        var t = new ReceiveBufferAutoTuner(initialBuffer: 64 * 1024, maxBuffer: 1 << 20, advMss: Mss);
        t.Adjust(TimeSpan.Zero, TimeSpan.Zero);
        t.OnCopied(1 << 20);
        Assert.False(t.Adjust(TimeSpan.FromSeconds(1), TimeSpan.Zero));
        Assert.True(t.Adjust(TimeSpan.FromSeconds(1), Ms(10)));
    }
}
