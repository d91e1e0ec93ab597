using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>The per-ACK and per-SYN algorithms must not allocate (DESIGN.md: zero allocations per packet).</summary>
public class TcpAlgorithmAllocationTests
{
    private static long AllocatedBy(Action body)
    {
        body(); // warm up: JIT and static initialisation
        long before = GC.GetAllocatedBytesForCurrentThread();
        body();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void PerAckAlgorithmsDoNotAllocate()
    {
        var board = new SackScoreboard();
        var rtt = new RttEstimator();
        var cubic = new Cubic();
        var reno = new NewReno();
        var rack = new RackTlp();
        var minRtt = new WindowedMinFilter(TimeSpan.FromMinutes(5));
        cubic.Init(1000, TimeSpan.Zero);
        reno.Init(1000, TimeSpan.Zero);
        var una = new SeqNumber(uint.MaxValue - 5000);
        (uint, uint)[] blocks = [((una + 3000).Value, (una + 4000).Value), ((una + 1000).Value, (una + 2000).Value), ((una + 5000).Value, (una + 6000).Value)];
        TimeSpan now = TimeSpan.Zero;

        long allocated = AllocatedBy(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                now += TimeSpan.FromMilliseconds(1);
                board.OnAck(una, una + 10_000, blocks);
                _ = board.Pipe(una, una + 10_000, una, 1000);
                _ = board.TryNextSegment(una, una + 10_000, una, 1000, out _, out _);
                _ = board.IsLost(una, 1000);
                rtt.AddSample(TimeSpan.FromMilliseconds(10 + (i % 7)));
                cubic.OnRttSample(new AckRttSample(TimeSpan.FromMilliseconds(10 + (i % 9)), una, una + 10_000, rtt.SmoothedRtt, 10_000), now);
                cubic.OnAck(1000, cwndLimited: true, now, TimeSpan.FromMilliseconds(10));
                reno.OnAck(1000, cwndLimited: true, now, TimeSpan.FromMilliseconds(10));
                if (i % 100 == 99)
                {
                    cubic.OnEnterRecovery(cubic.CongestionWindow, now);
                    cubic.OnExitRecovery(now);
                    reno.OnEnterRecovery(reno.CongestionWindow, now);
                    reno.OnExitRecovery(now);
                }
                rack.OnSegmentDelivered(now - TimeSpan.FromMilliseconds(10), una + 1000, false, TimeSpan.FromMilliseconds(10));
                rack.ReorderWindow(rtt.SmoothedRtt, minRtt.Value, false, 1);
                _ = rack.IsLost(now - TimeSpan.FromMilliseconds(20), una, now, out _);
                minRtt.Update(now, TimeSpan.FromMilliseconds(10 + (i % 5)));
            }
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void IsnAndSynCookiesDoNotAllocate()
    {
        var isn = new InitialSequenceNumber(new ManualTimeProvider(), new SipHashKey(1, 1));
        var cookies = new SynCookies(new SipHashKey(2, 1), new SipHashKey(2, 2));
        var tuple = new FourTuple(NetAddress.Parse("10.9.0.1"), 80, NetAddress.Parse("10.9.0.2"), 40000);
        uint sink = 0;
        long allocated = AllocatedBy(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                sink += isn.Generate(tuple).Value + (uint)isn.Hash(tuple);
                uint c = cookies.CreateCookie(tuple, new SeqNumber((uint)i), 1460, 3, out _);
                sink += cookies.TryValidateCookie(tuple, new SeqNumber((uint)i), c, 4, out ushort mss) ? mss : 0u;
                sink += SynCookies.EncodeTimestampOptions((uint)i * 1000, 7, true);
            }
        });
        Assert.Equal(0, allocated);
        Assert.NotEqual(0u, sink);
    }
}
