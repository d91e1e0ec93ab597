using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class RackSentLogTests
{
    [Fact]
    public void KeepsSendOrderAcrossWrapAndGrowth()
    {
        var log = new RackSentLog(capacity: 4);
        var seq = new SeqNumber(uint.MaxValue - 1000);
        for (int i = 0; i < 3; i++)
        {
            log.Add(seq + (uint)(i * 100), seq + (uint)((i + 1) * 100), TimeSpan.FromMilliseconds(i), retransmitted: false);
        }
        log.RemoveOldest();
        log.RemoveOldest();                            // head is now near the end of the ring
        for (int i = 3; i < 10; i++)                   // wraps, then grows past the capacity
        {
            log.Add(seq + (uint)(i * 100), seq + (uint)((i + 1) * 100), TimeSpan.FromMilliseconds(i), retransmitted: i == 9);
        }
        Assert.Equal(8, log.Count);
        for (int i = 0; i < log.Count; i++)
        {
            Assert.Equal(seq + (uint)((i + 2) * 100), log[i].Start);
            Assert.Equal(TimeSpan.FromMilliseconds(i + 2), log[i].XmitTime);
        }
        Assert.True(log[7].Retransmitted);
        log[0].Lost = true;                            // records are mutable in place
        Assert.True(log[0].Lost);
        log.Clear();
        Assert.Equal(0, log.Count);
    }
}
