using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>The reordering degree (Linux tcp_check_sack_reordering) and the peer's segment size (tcp_measure_rcv_mss).</summary>
public class TcpEstimatorTests
{
    private static SeqNumber At(uint offset) => new(1 + offset);

    [Fact]
    public void ReorderingStartsAtDupThreshAndGrowsToTheDistanceInSegments()
    {
        var r = new ReorderingEstimator();
        Assert.Equal(3, r.Degree);
        r.OnReordered(At(3000), At(5000), 1000); // 2 segments: below the current degree, still an event
        Assert.Equal(3, r.Degree);
        Assert.Equal(1, r.Events);
        r.OnReordered(At(3000), At(9000), 1000); // 8001:9001 SACKed before 3001:4001 (sack-shift-sacked-2-6-8-3-9)
        Assert.Equal(6, r.Degree);
        r.OnReordered(At(0), At(9500), 1000); // rounded up
        Assert.Equal(10, r.Degree);
        r.OnReordered(At(9000), At(9000), 1000); // not below: nothing
        Assert.Equal(3, r.Events);
        r.OnReordered(At(0), At(1_000_000), 1000);
        Assert.Equal(ReorderingEstimator.Max, r.Degree);
    }

    [Fact]
    public void ReceiveMssRisesWithLargerSegmentsUpToTheAdvertisedMss()
    {
        var e = new ReceiveMssEstimator();
        e.Initialize(advertisedMss: 1460, sendMss: 1000, receiveWindow: 65535);
        Assert.Equal(536, e.Mss);
        e.OnSegment(1000, 0, 20, 20, push: false, advertisedMss: 1460);
        Assert.Equal(1000, e.Mss);
        e.OnSegment(10_000, 1000, 20, 20, push: false, advertisedMss: 1460); // a GRO super-segment of 1000-byte segments
        Assert.Equal(1000, e.Mss);
        e.OnSegment(10_000, 0, 20, 20, push: false, advertisedMss: 1460); // no segment size known: clamped
        Assert.Equal(1460, e.Mss);
    }

    [Fact]
    public void ReceiveMssFallsOnlyAfterTwoEqualFullLookingSegments()
    {
        var e = new ReceiveMssEstimator();
        e.Initialize(1460, 1460, 65535);
        e.OnSegment(1460, 0, 32, 32, push: false, advertisedMss: 1460);
        Assert.Equal(1460, e.Mss);
        e.OnSegment(1200, 0, 32, 32, push: false, advertisedMss: 1460);
        Assert.Equal(1460, e.Mss);
        e.OnSegment(1200, 0, 32, 32, push: false, advertisedMss: 1460); // the path carries 1200 now
        Assert.Equal(1200, e.Mss);
        e.OnSegment(100, 0, 32, 32, push: true, advertisedMss: 1460);   // a short tail with PSH says nothing
        e.OnSegment(100, 0, 32, 32, push: true, advertisedMss: 1460);
        Assert.Equal(1200, e.Mss);
    }
}
