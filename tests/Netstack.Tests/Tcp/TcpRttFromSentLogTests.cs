using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Without timestamps a SACK connection takes an RTT sample on every ACK from the send log, as Linux's
/// tcp_clean_rtx_queue: the oldest range the ACK newly acknowledged times the estimator; a retransmission covered by the
/// ACK gives none (Karn's rule).
/// </summary>
public class TcpRttFromSentLogTests
{
    private const int Mss = TcpTestContext.PeerMss;
    private const uint Data = TcpTestContext.DefaultIss + 1; // our first data byte

    [Fact]
    public void EveryAckTimesTheOldestSegmentItAcknowledges()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: true);
        ep.Send(new byte[10 * Mss], false, out _);
        Assert.Equal(10, t.DrainDataSeqs().Count);
        t.Advance(100);
        t.Send(Ack, 5001, Data + Mss); // the first segment, sent 100 ms ago
        Assert.Equal(TimeSpan.FromMilliseconds(100), ep.GetInfo().SmoothedRtt);
        t.DrainDataSeqs();
        t.Advance(100);
        t.Send(Ack, 5001, Data + 2 * Mss); // the second, sent at the same time as the first: a 200 ms sample
        Assert.Equal(TimeSpan.FromMilliseconds(112.5), ep.GetInfo().SmoothedRtt);
    }

    [Fact]
    public void WithoutSackOneSegmentAtATimeIsTimed()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: false);
        ep.Send(new byte[10 * Mss], false, out _);
        t.DrainDataSeqs();
        t.Advance(100);
        t.Send(Ack, 5001, Data + Mss);
        t.DrainDataSeqs();
        t.Advance(100);
        t.Send(Ack, 5001, Data + 2 * Mss); // the timed segment is one sent after the first ACK: no sample yet
        Assert.Equal(TimeSpan.FromMilliseconds(100), ep.GetInfo().SmoothedRtt);
    }

    [Fact]
    public void AnAckCoveringARetransmissionGivesNoSample()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRtt(t, sack: true);
        ep.Send(new byte[Mss], false, out _);
        t.DrainDataSeqs();
        t.Advance(1000); // the RTO (300 ms after the 100 ms handshake) resends the segment
        Assert.NotEmpty(t.DrainDataSeqs());
        t.Send(Ack, 5001, Data + Mss);
        Assert.Equal(TimeSpan.FromMilliseconds(100), ep.GetInfo().SmoothedRtt);
    }

    /// <summary>A passive connection without timestamps whose handshake ACK takes 100 ms.</summary>
    private static TcpEndpoint EstablishWithRtt(TcpTestContext t, bool sack) => t.EstablishPassive(sack: sack, handshakeRttMs: 100);
}
