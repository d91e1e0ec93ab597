using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>The cwnd-limited test (RFC 7661 §4.3, Linux tcp_cwnd_validate / tcp_is_cwnd_limited) on its own.</summary>
public class CwndUsageTests
{
    private const uint Mss = 1000;

    private static SeqNumber At(uint offset) => new(1 + offset);

    [Fact]
    public void FlightOfHalfTheWindowDoesNotGrowItInSlowStart()
    {
        var usage = new CwndUsage();
        usage.OnTransmit(At(0), At(5 * Mss), 5 * Mss, limited: false); // 5 of 10 segments (slow-start-ack-per-2pkt-send-5pkt)
        Assert.False(usage.IsCwndLimited(10 * Mss));
    }

    [Fact]
    public void AppLimitedSlowStartGrowsTheWindowToTwiceTheLargestFlight()
    {
        var usage = new CwndUsage();
        usage.OnTransmit(At(0), At(9 * Mss), 9 * Mss, limited: false); // 9 of 10 (slow-start-app-limited-9-packets-out)
        Assert.True(usage.IsCwndLimited(10 * Mss));
        Assert.True(usage.IsCwndLimited(16 * Mss));
        Assert.False(usage.IsCwndLimited(18 * Mss)); // doubled what was used
    }

    [Fact]
    public void FullWindowIsRememberedUntilItIsAcknowledged()
    {
        var usage = new CwndUsage();
        usage.OnTransmit(At(0), At(10 * Mss), 10 * Mss, limited: true);
        // Smaller flights later in the same window do not erase it.
        usage.OnTransmit(At(2 * Mss), At(11 * Mss), 9 * Mss, limited: false);
        Assert.True(usage.IsCwndLimited(40 * Mss)); // full: grows however large cwnd became
        // Once SND.UNA passes the end of that window, the next transmission starts a new one.
        usage.OnTransmit(At(11 * Mss), At(12 * Mss), Mss, limited: false);
        Assert.False(usage.WindowWasFull);
        Assert.Equal(Mss, usage.MaxFlight);
        Assert.False(usage.IsCwndLimited(10 * Mss));
    }

    [Fact]
    public void LargerFlightInTheSameWindowRaisesTheMaximum()
    {
        var usage = new CwndUsage();
        usage.OnTransmit(At(0), At(3 * Mss), 3 * Mss, limited: false);
        usage.OnTransmit(At(0), At(7 * Mss), 7 * Mss, limited: false);
        Assert.Equal(7 * Mss, usage.MaxFlight);
        usage.OnTransmit(At(Mss), At(8 * Mss), 4 * Mss, limited: false); // smaller: kept
        Assert.Equal(7 * Mss, usage.MaxFlight);
    }
}
