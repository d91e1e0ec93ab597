using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class SackScoreboardTests
{
    private const uint Mss = 100;

    // A window that wraps at 2^32 so every computation crosses it.
    private static readonly SeqNumber Una = new(uint.MaxValue - 450);

    private static SeqNumber At(int offset) => Una + offset;

    private static (uint, uint) Block(int from, int to) => (At(from).Value, At(to).Value);

    private static SackScoreboard Board(SeqNumber nxt, params (uint, uint)[] blocks)
    {
        var b = new SackScoreboard();
        b.OnAck(Una, nxt, blocks);
        return b;
    }

    [Fact]
    public void MergesOverlappingAndAdjacentBlocks()
    {
        var b = Board(At(1000), Block(200, 300), Block(500, 600));
        Assert.Equal(2, b.Count);
        b.OnAck(Una, At(1000), [Block(300, 400), Block(550, 700)]);
        Assert.Equal(2, b.Count);
        Assert.Equal((At(200), At(400)), b[0]);
        Assert.Equal((At(500), At(700)), b[1]);
        b.OnAck(Una, At(1000), [Block(100, 800)]);
        Assert.Equal(1, b.Count);
        Assert.Equal(700u, b.SackedBytes);
        Assert.Equal(At(800), b.HighestSacked);
    }

    [Fact]
    public void IsSackedFollowsTheRanges()
    {
        var b = Board(At(1000), Block(200, 300), Block(500, 600));
        Assert.False(b.IsSacked(At(0)));
        Assert.True(b.IsSacked(At(200)));
        Assert.True(b.IsSacked(At(299)));
        Assert.False(b.IsSacked(At(300)));
        Assert.True(b.IsSacked(At(599)));
        Assert.False(b.IsSacked(At(600)));
    }

    [Fact]
    public void CumulativeAckDropsAndTrimsRanges()
    {
        var b = Board(At(1000), Block(200, 300), Block(500, 600));
        Assert.Equal(200u, b.SackedBytes);
        b.OnAck(At(550), At(1000), []);
        Assert.Equal(1, b.Count);
        Assert.Equal((At(550), At(600)), b[0]);
        Assert.Equal(50u, b.SackedBytes);
        b.OnAck(At(600), At(1000), []);
        Assert.Equal(0, b.Count);
        Assert.Equal(0u, b.SackedBytes);
        Assert.Equal(At(600), b.HighestSacked);
    }

    [Fact]
    public void IgnoresBlocksOutsideTheWindow()
    {
        var b = Board(At(1000), Block(900, 1100), Block(300, 200), Block(-100, 0), Block(2000, 2100));
        Assert.Equal(0, b.Count);
        Assert.Equal(0u, b.SackedBytes);
    }

    [Fact]
    public void FirstBlockBelowTheAckIsDsack()
    {
        var b = new SackScoreboard();
        Assert.True(b.OnAck(Una, At(1000), [Block(-100, 0), Block(200, 300)]));
        Assert.True(b.LastAckWasDsack);
        Assert.Equal((At(-100), At(0)), b.LastDsack);
        Assert.Equal(1, b.Count);
        Assert.False(b.OnAck(Una, At(1000), [Block(200, 300)]));
        Assert.False(b.LastAckWasDsack);
    }

    [Fact]
    public void FirstBlockInsideTheSecondIsDsack()
    {
        var b = new SackScoreboard();
        Assert.True(b.OnAck(Una, At(1000), [Block(250, 300), Block(200, 400)]));
        Assert.Equal((At(250), At(300)), b.LastDsack);
        Assert.Equal(1, b.Count);
        Assert.Equal((At(200), At(400)), b[0]);
    }

    [Fact]
    public void IsLostByThreeDiscontiguousRangesOrBytes()
    {
        // Holes at [0,100), [150,200), [250,300); small SACKed pieces above them.
        var b = Board(At(1000), Block(100, 150), Block(200, 250), Block(300, 350));
        Assert.True(b.IsLost(At(0), Mss));      // three ranges above
        Assert.False(b.IsLost(At(150), Mss));   // two ranges, 100 bytes
        Assert.False(b.IsLost(At(250), Mss));

        // More than (DupThresh - 1) * MSS = 200 bytes above, in one range.
        var c = Board(At(1000), Block(100, 301));
        Assert.True(c.IsLost(At(0), Mss));
        var d = Board(At(1000), Block(100, 300));
        Assert.False(d.IsLost(At(0), Mss));
    }

    [Fact]
    public void PipeCountsUnsackedNotLostAndRetransmittedOctets()
    {
        // Holes: [0,100) lost (3 ranges above), [200,300) lost (>200 bytes above), [400,500) not lost, [700,1000) tail.
        var b = Board(At(1000), Block(100, 200), Block(300, 400), Block(500, 700));
        Assert.True(b.IsLost(At(0), Mss));
        Assert.True(b.IsLost(At(250), Mss));
        Assert.False(b.IsLost(At(450), Mss));
        Assert.Equal(100u + 300u, b.Pipe(Una, At(1000), Una, Mss));
        // After retransmitting the first hole and half the second, those octets count once each.
        Assert.Equal(100u + 300u + 100u + 50u, b.Pipe(Una, At(1000), At(250), Mss));
        // Retransmitted and not lost counts twice.
        Assert.Equal(100u + 100u + (2 * 100u) + 300u, b.Pipe(Una, At(1000), At(500), Mss));
    }

    [Fact]
    public void RackLostOctets_LeaveThePipeAndAreNextSegments()
    {
        // One SACKed range: RFC 6675 finds nothing lost; RACK (RFC 8985) declares [0,150) lost.
        var b = Board(At(1000), Block(200, 300));
        Assert.False(b.IsLost(At(0), Mss));
        Assert.False(b.TryNextLostSegment(Una, At(1000), Una, Mss, out _, out _));
        Assert.Equal(900u, b.Pipe(Una, At(1000), Una, Mss));
        b.MarkLostBelow(At(150));
        Assert.Equal(900u - 150u, b.Pipe(Una, At(1000), Una, Mss));
        Assert.True(b.TryNextLostSegment(Una, At(1000), Una, Mss, out SeqNumber seq, out uint len));
        Assert.Equal((At(0), 100u), (seq, len));
        Assert.True(b.TryNextLostSegment(Una, At(1000), At(100), Mss, out seq, out len));
        Assert.Equal((At(100), 50u), (seq, len));          // only up to where RACK marked
        Assert.False(b.TryNextLostSegment(Una, At(1000), At(150), Mss, out _, out _));
        b.OnAck(At(150), At(1000), []);                   // SND.UNA passes the mark: it is forgotten
        Assert.Equal(850u - 100u, b.Pipe(At(150), At(1000), At(150), Mss));
    }

    [Fact]
    public void LostRunIsTheWholeLostPartOfTheHole_NotOneSegment()
    {
        var b = Board(At(1000), Block(400, 500), Block(600, 700), Block(800, 900));
        Assert.True(b.TryNextLostSegment(Una, At(1000), Una, Mss, out SeqNumber seq, out uint len));
        Assert.Equal((At(0), Mss), (seq, len));
        Assert.True(b.TryNextLostRun(Una, At(1000), Una, Mss, out seq, out len));
        Assert.Equal((At(0), 400u), (seq, len));            // up to the next SACKed range
        var rack = Board(At(1000), Block(400, 500));
        rack.MarkLostBelow(At(250));
        Assert.True(rack.TryNextLostRun(Una, At(1000), At(50), Mss, out seq, out len));
        Assert.Equal((At(50), 200u), (seq, len));           // up to where RACK marked
    }

    [Fact]
    public void PipeWithoutSacksIsTheFlight()
    {
        var b = new SackScoreboard();
        Assert.Equal(1000u, b.Pipe(Una, At(1000), Una, Mss));
    }

    [Fact]
    public void NextSegmentRetransmitsLostHolesInOrderThenRuleThree()
    {
        var b = Board(At(1000), Block(100, 200), Block(300, 400), Block(500, 700));
        SeqNumber highRxt = Una;

        Assert.True(b.TryNextLostSegment(Una, At(1000), highRxt, Mss, out SeqNumber seq, out uint len));
        Assert.Equal((At(0), 100u), (seq, len));
        highRxt = seq + len;

        Assert.True(b.TryNextLostSegment(Una, At(1000), highRxt, Mss, out seq, out len));
        Assert.Equal((At(200), 100u), (seq, len));
        highRxt = seq + len;

        // [400,500) has only 200 SACKed bytes above it: not lost, so rule 1 fails there ...
        Assert.False(b.TryNextLostSegment(Una, At(1000), highRxt, Mss, out _, out _));
        // ... but rule 3 offers it when there is no new data to send.
        Assert.True(b.TryNextSegment(Una, At(1000), highRxt, Mss, out seq, out len));
        Assert.Equal((At(400), 100u), (seq, len));
        highRxt = seq + len;

        // Nothing below the highest SACKed octet is left; the tail is new-data territory (rule 2).
        Assert.False(b.TryNextSegment(Una, At(1000), highRxt, Mss, out _, out _));
    }

    [Fact]
    public void NextSegmentIsLimitedToOneMssAndTheHole()
    {
        var b = Board(At(2000), Block(1000, 1400));
        Assert.True(b.TryNextSegment(Una, At(2000), Una, Mss, out SeqNumber seq, out uint len));
        Assert.Equal((At(0), Mss), (seq, len));
        Assert.True(b.TryNextSegment(Una, At(2000), At(950), Mss, out seq, out len));
        Assert.Equal((At(950), 50u), (seq, len));
    }

    [Fact]
    public void FullScoreboardForgetsTheHighestRange()
    {
        var b = new SackScoreboard(capacity: 4);
        for (int i = 0; i < 6; i++)
        {
            b.OnAck(Una, At(10_000), [Block(100 + 200 * i, 200 + 200 * i)]);
        }
        Assert.Equal(4, b.Count);
        Assert.Equal(At(800), b.HighestSacked);
        b.OnAck(Una, At(10_000), [Block(0, 50)]);
        Assert.Equal(4, b.Count);
        Assert.Equal((At(0), At(50)), b[0]);
        Assert.Equal(At(600), b.HighestSacked);
        Assert.Equal(50u + (3 * 100u), b.SackedBytes);
        Assert.Equal(3, b.Overflows);
        b.Clear();
        Assert.Equal(0, b.Count);
        Assert.Equal(0u, b.SackedBytes);
    }
}
