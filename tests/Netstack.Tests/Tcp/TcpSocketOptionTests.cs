using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>TCP_MAXSEG (MSS clamp), IP_TOS, TCP_NOTSENT_LOWAT and TCP_USER_TIMEOUT (RFC 5482), on the manual clock.</summary>
public class TcpSocketOptionTests
{
    private static byte[] Bytes(int n) => Enumerable.Range(0, n).Select(i => (byte)i).ToArray();

    /// <summary>ICMP "fragmentation needed" (RFC 1191) for a segment of ours starting at <paramref name="seq"/>.</summary>
    private static TransportErrorInfo TooBig(int mtu, uint seq) =>
        new(TransportErrorKind.PacketTooBig, 3, 4, TcpTestContext.Local, TcpTestContext.Remote, 6, TcpTestContext.LocalPort, TcpTestContext.RemotePort, mtu, seq);

    [Fact]
    public void MaxSegmentSize_ClampsTheAnnouncedAndTheSendingMss()
    {
        using var t = new TcpTestContext();
        var options = new TcpEndpointOptions { QuickAck = false, MaxSegmentSize = 1100 };
        TcpEndpoint ep = t.Connect(options);
        TcpSegment syn = t.Expect(Syn);
        Assert.Equal(1100, syn.Mss);                      // not the route's 1460
        TcpSegment synAck = TcpTestContext.Seg(Syn | Ack, 5000, t.Iss + 1);
        synAck.Mss = 1300;                                  // the peer could take more
        t.Send(synAck);
        t.Expect(Ack);
        Assert.Equal(1100, ep.GetInfo().SendMss);
        Assert.Equal(1100, ep.GetInfo().AdvertisedMss);
        ep.Send(Bytes(2200), false, out _);
        t.Next(out byte[] first);
        Assert.Equal(1100, first.Length);
    }

    [Fact]
    public void MaxSegmentSize_OfAListener_ReachesItsSynAck()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, MaxSegmentSize = 1000 });
        Assert.Equal(1000, ep.GetInfo().AdvertisedMss);
        Assert.Equal(1000, ep.GetInfo().SendMss);          // the peer's 1460 is clamped too
    }

    [Theory]
    [InlineData(87)]
    [InlineData(32768)]
    [InlineData(-1)]
    public void MaxSegmentSize_OutsideLinuxRange_Throws(int value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpEndpointOptions { MaxSegmentSize = value });

    [Fact]
    public void TypeOfService_GoesOnEveryPacket_WithoutTheEcnBits()
    {
        using var t = new TcpTestContext();
        var options = new TcpEndpointOptions { QuickAck = false, TypeOfService = 0x2F };
        Assert.Equal(0x2C, options.TypeOfService);         // ECN bits stay the stack's
        t.Listen(options: options);
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000);
        syn.Mss = 1460;
        t.Send(syn);
        t.Expect(Syn | Ack);
        Assert.Equal(0x2C, t.LastTypeOfService);
        t.Send(Ack, 5001, t.Iss + 1);
        t.Send(Ack, 5001, t.Iss + 1, payload: Bytes(10));
        t.Send(Ack, 5011, t.Iss + 1, payload: Bytes(10));
        t.Expect(Ack, ack: 5021);
        Assert.Equal(0x2C, t.LastTypeOfService);
    }

    [Fact]
    public void DontFragmentOff_SegmentsGoWithoutDf_AndFragmentationNeededIsIgnored()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, DontFragment = false });
        ep.Send(Bytes(1460), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        Assert.False(t.LastDontFragment);
        ep.HandleError(TooBig(1000, 1001));
        Assert.Equal(1460, ep.GetInfo().SendMss);          // no path MTU discovery: the MSS stays
        t.ExpectNothing();
    }

    [Fact]
    public void DontFragmentOn_FragmentationNeededLowersTheMss()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(Bytes(1460), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        Assert.True(t.LastDontFragment);
        ep.HandleError(TooBig(1000, 1001));
        Assert.Equal(960, ep.GetInfo().SendMss);
    }

    [Fact]
    public void NotSentLowWatermark_LimitsWhatAWriteLeavesUnsent()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(peerWindow: 8000, options: new TcpEndpointOptions { QuickAck = false, NotSentLowWatermark = 3000 });
        // Window 8000: 5 segments of 1460 go (7300 bytes). Writes fill chunks of half the peer's largest window
        // (4000 rounded down to whole segments: 2920) and start a new one only while fewer than 3000 bytes wait unsent.
        int written = ep.Send(Bytes(50_000), false, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        long unsent = written - 7300;
        Assert.InRange(unsent, 1, 3000 + 2920);            // above the watermark by less than one chunk
        Assert.True(unsent >= 3000);                        // and no write stopped short of it
        Assert.False(ep.NotSentBelowWatermark);
        Assert.Equal(0, ep.Send(Bytes(1), false, out _));   // at or above it: a write waits
    }

    [Fact]
    public void NotSentLowWatermark_WritableOnceUnsentBelowHalf()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(peerWindow: 4000, options: new TcpEndpointOptions { QuickAck = false, NotSentLowWatermark = 2000, NoDelay = true });
        int written = ep.Send(Bytes(20_000), false, out _);
        Assert.True(written > 4000);
        t.DrainDataSeqs();
        Assert.False(ep.NotSentBelowWatermark);
        int acked = 0;
        while (!ep.NotSentBelowWatermark && acked < written)
        {
            acked = Math.Min(written, acked + 1460);
            t.Send(Ack, 5001, t.Iss + 1 + (uint)acked, window: 4000);
            t.DrainDataSeqs();
        }
        Assert.True(ep.NotSentBelowWatermark);
        TcpInfo info = ep.GetInfo();
        long notSent = info.SendBufferBytes - info.BytesInFlight;
        Assert.True(notSent * 2 < 2000, $"unsent {notSent}");
        Assert.True(ep.Send(Bytes(100), false, out _) > 0);
    }

    [Fact]
    public void UserTimeout_EndsRetransmissionsAtTheDeadline_NotAfterTheCount()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, UserTimeout = TimeSpan.FromSeconds(3) });
        ep.Send(Bytes(100), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        TimeSpan elapsed = TimeSpan.Zero;
        int retransmissions = 0;
        while (ep.State != TcpConnectionState.Closed && elapsed < TimeSpan.FromSeconds(10))
        {
            t.Advance(10);
            elapsed += TimeSpan.FromMilliseconds(10);
            while (t.Host.Sent.Count > 0)
            {
                TcpSegment s = t.Next(out _);
                if (s.Has(Rst))
                {
                    Assert.Equal(TimeSpan.FromSeconds(3), elapsed);  // the timer was clamped to the deadline
                }
                else
                {
                    retransmissions++;
                }
            }
        }
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(SocketError.TimedOut, ep.Error);
        Assert.InRange(retransmissions, 2, 3);               // 1 s, 2 s back-off: far fewer than MaxRetransmits
        Assert.Equal(1, t.Tcp.Statistics.TCPAbortOnTimeout);
    }

    [Fact]
    public void UserTimeout_AnAckThatAdvances_RestartsTheClock()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, UserTimeout = TimeSpan.FromSeconds(2), NoDelay = true });
        ep.Send(Bytes(100), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        t.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Contains(1001u, t.DrainDataSeqs());             // retransmitted by the timer
        t.Send(Ack, 5001, 1101);                             // acknowledged: the episode ends
        ep.Send(Bytes(100), false, out _);
        t.Expect(Ack | Psh, seq: 1101);
        t.Advance(TimeSpan.FromSeconds(1.9));                 // 3.4 s after the first send, 1.9 s after this one
        Assert.Equal(SocketError.Success, ep.Error);
        Assert.Contains(1101u, t.DrainDataSeqs());
        t.Advance(TimeSpan.FromSeconds(0.2));                 // 2 s after this one's last send before the timeouts
        Assert.Equal(SocketError.TimedOut, ep.Error);
    }

    [Fact]
    public void UserTimeout_BoundsZeroWindowProbing_EvenWhenThePeerAnswers()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, UserTimeout = TimeSpan.FromSeconds(5) });
        ep.Send(Bytes(1000), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        t.Send(Ack, 5001, 2001, window: 0);                  // everything acked, window closed
        ep.Send(Bytes(1000), false, out _);
        TimeSpan elapsed = TimeSpan.Zero, firstProbe = TimeSpan.MaxValue;
        while (ep.State != TcpConnectionState.Closed && elapsed < TimeSpan.FromSeconds(60))
        {
            t.Advance(10);
            elapsed += TimeSpan.FromMilliseconds(10);
            while (t.Host.Sent.Count > 0)
            {
                TcpSegment s = t.Next(out _);
                if (!s.Has(Rst))
                {
                    Assert.Equal(2000u, s.Seq.Value);          // a probe
                    firstProbe = elapsed < firstProbe ? elapsed : firstProbe;
                    t.Send(Ack, 5001, 2001, window: 0);      // answered, still closed
                }
            }
        }
        Assert.Equal(SocketError.TimedOut, ep.Error);
        Assert.Equal(TimeSpan.FromSeconds(5), elapsed - firstProbe); // clamped to the deadline
    }

    [Fact]
    public void WithoutUserTimeout_AnsweredZeroWindowProbesGoOn()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(Bytes(1000), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        t.Send(Ack, 5001, 2001, window: 0);
        ep.Send(Bytes(1000), false, out _);
        for (int i = 0; i < 600; i++)
        {
            t.Advance(1000);
            while (t.Host.Sent.Count > 0)
            {
                t.Next(out _);
                t.Send(Ack, 5001, 2001, window: 0);
            }
        }
        Assert.Equal(TcpConnectionState.Established, ep.State);
    }

    [Theory]
    [InlineData(20, 20)]   // longer than the probes' count allows (10 + 3 × 2 = 16 s): probing goes on to 20 s
    [InlineData(5, 12)]    // shorter than the idle time: the first probe still goes out at 10 s, the end at the next
    public void UserTimeout_ReplacesTheKeepaliveProbeCount(int userTimeoutSeconds, int endSeconds)
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions
        {
            KeepAlive = true,
            KeepAliveTime = TimeSpan.FromSeconds(10),
            KeepAliveInterval = TimeSpan.FromSeconds(2),
            KeepAliveProbes = 3,
            UserTimeout = TimeSpan.FromSeconds(userTimeoutSeconds),
        });
        int probes = 0;
        for (int second = 1; second <= 30 && ep.State != TcpConnectionState.Closed; second++)
        {
            t.Advance(TimeSpan.FromSeconds(1));
            while (t.Host.Sent.Count > 0)
            {
                TcpSegment s = t.Next(out _);
                if (s.Has(Rst))
                {
                    Assert.Equal(endSeconds, second);
                }
                else
                {
                    Assert.Equal(1000u, s.Seq.Value);          // a keepalive probe, never answered
                    probes++;
                }
            }
        }
        Assert.Equal(SocketError.TimedOut, ep.Error);
        Assert.Equal((endSeconds - 10) / 2, probes);
    }
}
