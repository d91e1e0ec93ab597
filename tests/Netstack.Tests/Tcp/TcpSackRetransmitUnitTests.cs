using Netstack.Link;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// SACK recovery resends lost data in the units it was sent in, as Linux retransmits the skb: a lost super-segment goes
/// again as one, with PSH as every GSO packet; what ACKs and SACKs left of one goes as that piece.
/// </summary>
public class TcpSackRetransmitUnitTests
{
    private const int Mss = TcpTestContext.PeerMss;
    private const uint Data = TcpTestContext.DefaultIss + 1; // our first data byte

    [Fact]
    public void LostSuperSegmentIsResentWhole_WithPush_AndAPieceOfOneAsThatPiece()
    {
        using var t = new TcpTestContext(capabilities: LinkCapabilities.Gso, gsoMaxSize: 65535);
        TcpEndpoint ep = EstablishWithRtt(t);
        ep.Send(new byte[10 * Mss + 100], false, out _); // the last 100 bytes wait: the write's end is not in the flight
        // A 100 ms RTT: TSO autosizing sends the initial window as five super-segments of two segments.
        for (uint k = 0; k < 5; k++)
        {
            t.Expect(Ack | Psh, seq: Data + 2 * k * Mss);
            Assert.Equal(2 * Mss, t.LastPayload.Length);
        }
        t.ExpectNothing();
        t.Advance(100);
        // The first segment arrives, the second super-segment and the last two; the rest of the first and the third are lost.
        t.Send(TcpTestContext.SackAck(Data + Mss, (Data + 2 * Mss, Data + 4 * Mss), (Data + 6 * Mss, Data + 10 * Mss)));
        t.Expect(Ack, seq: Data + Mss); // what the cumulative ACK left of the first: one segment, no write end in it
        Assert.Equal(Mss, t.LastPayload.Length);
        t.Expect(Ack | Psh, seq: Data + 4 * Mss); // the third whole, as one super-segment
        Assert.Equal(2 * Mss, t.LastPayload.Length);
    }

    /// <summary>A passive SACK connection without timestamps whose handshake ACK takes 100 ms.</summary>
    private static TcpEndpoint EstablishWithRtt(TcpTestContext t) => t.EstablishPassive(sack: true, handshakeRttMs: 100);
}
