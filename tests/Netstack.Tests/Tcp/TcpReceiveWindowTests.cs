using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>RCV.WND with window scaling: the advertised right edge (ACK + window &lt;&lt; shift) never moves left.</summary>
public class TcpReceiveWindowTests
{
    /// <summary>
    /// RFC 9293 §3.8.6.2.2 and RFC 7323 §2.4: shrinking the window strands data the peer already sent. With a scale
    /// shift, rounding the free space down to a multiple of 2^shift would shrink it by up to 2^shift - 1 bytes;
    /// the peer's later ACKs then carry a sequence number past a zero window, fail the acceptability test, and are
    /// ignored — a deadlock seen with bulk echo against Linux. The buffer here fills up to a few odd bytes short.
    /// </summary>
    [Fact]
    public void A_scaled_window_never_shrinks_while_the_buffer_fills()
    {
        using var ctx = new TcpTestContext();
        var options = new TcpEndpointOptions { ReceiveBufferSize = 64 * 1024 };
        TcpListenSocket listener = ctx.Listen(options: options);
        const uint peerIss = 5000;
        TcpSegment syn = TcpTestContext.Seg(TcpFlags.Syn, peerIss);
        syn.Mss = 1460;
        syn.WindowScale = 7;
        ctx.Send(syn);
        TcpSegment synAck = ctx.Expect(TcpFlags.Syn | TcpFlags.Ack, seq: ctx.Iss, ack: peerIss + 1);
        int shift = synAck.WindowScale;
        Assert.True(shift > 0, "the test needs a scaled window");
        ctx.Send(TcpFlags.Ack, peerIss + 1, ctx.Iss + 1);
        Assert.NotNull(listener.TryAccept(false, out _));

        uint seq = peerIss + 1;
        long rightEdge = (long)ctx.Iss; // placeholder, replaced by the first ACK
        bool first = true;
        int toSend = options.ReceiveBufferSize - 3; // leave 3 bytes: not a multiple of 2^shift
        byte[] chunk = new byte[1000];
        while (toSend > 0)
        {
            int n = Math.Min(chunk.Length, toSend);
            ctx.Send(TcpTestContext.Seg(TcpFlags.Ack, seq, ctx.Iss + 1), chunk.AsSpan(0, n));
            seq += (uint)n;
            toSend -= n;
            ctx.Advance(200); // let any delayed ACK out
            while (ctx.Host.Sent.Count > 0)
            {
                TcpSegment ack = ctx.Next(out _);
                long edge = ack.Ack.Value + ((long)ack.Window << shift);
                Assert.True(first || edge >= rightEdge, $"right edge moved left: {rightEdge} -> {edge} (ack {ack.Ack.Value}, window {ack.Window})");
                rightEdge = Math.Max(rightEdge, edge);
                first = false;
            }
        }
        Assert.False(first, "TCP never acknowledged");

        // The peer may still send the 3 bytes it was offered, and a pure ACK past them must be accepted too.
        Assert.True(rightEdge >= seq + 3, $"the last 3 bytes of buffer were not offered (edge {rightEdge}, next {seq})");
    }
}
