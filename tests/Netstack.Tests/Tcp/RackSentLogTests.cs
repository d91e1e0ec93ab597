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

    [Fact]
    public void SplitKeepsBothPiecesInSendOrder_AcrossTheWrapAndAGrowth()
    {
        var log = new RackSentLog(capacity: 4);
        var seq = new SeqNumber(uint.MaxValue - 150);
        log.Add(seq, seq + 100, TimeSpan.FromMilliseconds(1), retransmitted: false);
        log.RemoveOldest();                            // head at 1: the records below wrap
        log.Add(seq + 100, seq + 400, TimeSpan.FromMilliseconds(2), retransmitted: true);
        log.Add(seq + 400, seq + 500, TimeSpan.FromMilliseconds(3), retransmitted: false);
        log.Add(seq + 500, seq + 600, TimeSpan.FromMilliseconds(4), retransmitted: false);
        log.Add(seq + 600, seq + 700, TimeSpan.FromMilliseconds(5), retransmitted: false);
        log.Split(0, seq + 250);                       // the ring is full: the split grows it
        Assert.Equal(5, log.Count);
        Assert.Equal((seq + 100, seq + 250), (log[0].Start, log[0].End));
        Assert.Equal((seq + 250, seq + 400), (log[1].Start, log[1].End));
        Assert.Equal(TimeSpan.FromMilliseconds(2), log[1].XmitTime);
        Assert.True(log[1].Retransmitted);
        for (int i = 2; i < 5; i++)
        {
            Assert.Equal(seq + (uint)(200 + i * 100), log[i].Start);
            Assert.Equal(TimeSpan.FromMilliseconds(i + 1), log[i].XmitTime);
        }
    }

    [Fact]
    public void MarkResent_MarksOnlyTheRetransmittedPartOfAFirstTransmission()
    {
        var log = new RackSentLog(capacity: 4);
        var seq = new SeqNumber(uint.MaxValue - 500); // across the sequence wrap
        log.Add(seq, seq + 1000, TimeSpan.FromMilliseconds(1), retransmitted: false); // a TSO burst of 10 segments
        log.Add(seq + 1000, seq + 1200, TimeSpan.FromMilliseconds(2), retransmitted: false);
        log.MarkResent(seq + 300, seq + 400);
        log.Add(seq + 300, seq + 400, TimeSpan.FromMilliseconds(3), retransmitted: true);
        Assert.Equal(5, log.Count);
        Assert.Equal((seq, seq + 300, false), (log[0].Start, log[0].End, log[0].Resent));
        Assert.Equal((seq + 300, seq + 400, true), (log[1].Start, log[1].End, log[1].Resent));
        Assert.Equal((seq + 400, seq + 1000, false), (log[2].Start, log[2].End, log[2].Resent));
        Assert.False(log[3].Resent);
        Assert.True(log[4].Retransmitted);
        Assert.False(log[4].Resent);
    }
}
