using Netstack.Stack;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Issue 11 item 8, the TCP behaviours against a scripted peer: RFC 5927 (ICMP errors must quote a sequence number in
/// flight), RFC 5961 §5 and §7 (ACK acceptability and the challenge-ACK rate limit), RFC 7323 §2.3 (window scale
/// above 14) and a floor under the peer's MSS (Linux <c>tcp_min_snd_mss</c>).
/// </summary>
public class TcpRfcChecksTests
{
    private static TransportErrorInfo PacketTooBig(uint quotedSequence, int mtu) =>
        new(TransportErrorKind.PacketTooBig, 3, 4, TcpTestContext.Local, TcpTestContext.Remote, 6, TcpTestContext.LocalPort, TcpTestContext.RemotePort, mtu, quotedSequence);

    private static byte[] Bytes(int n)
    {
        var b = new byte[n];
        new Random(3).NextBytes(b);
        return b;
    }

    /// <summary>RFC 5927 §4.1 (as Linux's tcp_v4_err): an error quoting a sequence number outside SND.UNA..SND.NXT is ignored.</summary>
    [Theory]
    [InlineData(1000u)] // below SND.UNA (1001): already acknowledged
    [InlineData(2461u)] // SND.NXT: not yet sent
    [InlineData(900_000u)] // far outside
    public void Rfc5927_PacketTooBig_QuotingASequenceNotInFlight_IsIgnored(uint quoted)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(Bytes(1460), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        ((ITransportHandler)t.Tcp).HandleError(PacketTooBig(quoted, 1280));
        Assert.Equal(1460, ep.GetInfo().SendMss);
        t.ExpectNothing();
        ((ITransportHandler)t.Tcp).HandleError(PacketTooBig(1001, 1280)); // the one segment in flight: believed
        Assert.Equal(1240, ep.GetInfo().SendMss);
        t.Expect(Ack, seq: 1001, payload: Bytes(1460)[..1240]);
    }

    /// <summary>RFC 5961 §5.2: an ACK below SND.UNA - MAX.SND.WND draws a challenge ACK and the segment (its data too) is dropped.</summary>
    [Fact]
    public void Rfc5961_AckOlderThanTheMaxWindow_GetsChallengeAck_AndIsDropped()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(); // MAX.SND.WND = 65535, SND.UNA = 1001
        t.Send(Ack | Psh, 5001, unchecked(1001u - 65536u), payload: Bytes(10));
        t.Expect(Ack, seq: 1001, ack: 5001);
        Assert.Equal(0, ep.Available);
        Assert.Equal(1, t.Tcp.Statistics.TCPChallengeACK);
        t.Send(Ack | Psh, 5001, unchecked(1001u - 65535u), payload: Bytes(10)); // the window's edge: acceptable
        Assert.Equal(10, ep.Available);
    }

    /// <summary>RFC 5961 §5.2: an ACK above SND.NXT (of data never sent) is a challenge-ACK case too, dropped with its data.</summary>
    [Fact]
    public void Rfc5961_AckOfDataNotSent_GetsChallengeAck_AndIsDropped()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Ack | Psh, 5001, 1002, payload: Bytes(10));
        t.Expect(Ack, seq: 1001, ack: 5001);
        Assert.Equal(0, ep.Available);
        Assert.Equal(1, t.Tcp.Statistics.TCPChallengeACK);
    }

    /// <summary>RFC 5961 §7: the challenge ACKs of §5 share the per-second limit, so a blind ACK flood is not echoed.</summary>
    [Fact]
    public void Rfc5961_ChallengeAcksForBadAcks_AreRateLimited()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Tcp.ChallengeAckLimit = 2;
        for (int i = 0; i < 10; i++)
        {
            t.Send(Ack, 5001, (uint)(50_000 + i));
        }
        t.Expect(Ack, ack: 5001);
        t.Expect(Ack, ack: 5001);
        t.ExpectNothing();
        Assert.Equal(2, t.Tcp.Statistics.TCPChallengeACK);
        t.Advance(TimeSpan.FromSeconds(1));
        t.Send(Ack, 5001, unchecked(1001u - 100_000u));
        t.Expect(Ack, ack: 5001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
    }

    /// <summary>RFC 7323 §2.3: a shift count above 14 is used as 14 (and logged by Linux); the connection is not refused.</summary>
    [Fact]
    public void Rfc7323_WindowScaleAbove14_IsTreatedAs14()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000);
        syn.Mss = 1460;
        syn.WindowScale = 15;
        t.Send(syn);
        TcpSegment synAck = t.Expect(Syn | Ack, ack: 5001);
        Assert.True(synAck.WindowScale >= 0);
        t.Send(Ack, 5001, 1001, window: 1);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.Equal(14, ep.GetInfo().SendWindowScale);
        Assert.Equal(1u << 14, ep.GetInfo().SendWindow); // the ACK's window of 1, shifted by 14
    }

    /// <summary>
    /// A peer's MSS of 1 must not make us send 1-byte segments (40 bytes of headers per byte: CVE-2019-11479, after
    /// which Linux added <c>tcp_min_snd_mss</c>, 48): the sending MSS has a floor of 64.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(47)]
    public void TinyPeerMss_IsClampedToASaneMinimum(ushort peerMss)
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000);
        syn.Mss = peerMss;
        t.Send(syn);
        t.Expect(Syn | Ack, ack: 5001);
        t.Send(Ack, 5001, 1001);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.Equal(64, ep.GetInfo().SendMss);
        ep.Send(Bytes(640), false, out _);
        TcpSegment first = t.Next(out byte[] payload);
        Assert.Equal(64, payload.Length);
        Assert.Equal(1001u, first.Seq.Value);
    }
}
