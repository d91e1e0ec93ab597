using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>The sender's chronographs (Linux tcp_chrono_start/stop: tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited).</summary>
public class SendChronoTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void HigherPrecedenceTakesOverAndStoppingFallsBackToBusy()
    {
        var chrono = new SendChrono();
        chrono.Start(SendLimit.Busy, Ms(10));
        chrono.Start(SendLimit.ReceiveWindow, Ms(30));
        chrono.Start(SendLimit.Busy, Ms(40)); // lower precedence: ignored
        Assert.Equal(SendLimit.ReceiveWindow, chrono.Current);
        chrono.Stop(SendLimit.ReceiveWindow, Ms(130), idle: false);
        Assert.Equal(SendLimit.Busy, chrono.Current);
        chrono.Stop(SendLimit.Busy, Ms(150), idle: true);
        Assert.Equal(SendLimit.None, chrono.Current);
        Assert.Equal(Ms(40), chrono.Total(SendLimit.Busy, Ms(500)));
        Assert.Equal(Ms(100), chrono.Total(SendLimit.ReceiveWindow, Ms(500)));
        Assert.Equal(TimeSpan.Zero, chrono.Total(SendLimit.SendBuffer, Ms(500)));
    }

    [Fact]
    public void RunningPeriodCountsUpToNow()
    {
        var chrono = new SendChrono();
        chrono.Start(SendLimit.SendBuffer, Ms(100));
        Assert.Equal(Ms(25), chrono.Total(SendLimit.SendBuffer, Ms(125)));
        chrono.Stop(SendLimit.ReceiveWindow, Ms(130), idle: false); // not the running one: no change
        Assert.Equal(SendLimit.SendBuffer, chrono.Current);
    }
}
