using System.Net.Sockets;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>RFC 5961 (blind in-window attacks), RFC 7323 PAWS, and the timers: RTO, persist, keepalive.</summary>
public class TcpRobustnessTests
{
    private static byte[] Bytes(int n, int seed = 1)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void Rst_ExactSequence_ResetsConnection()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Rst, 5001);
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(SocketError.ConnectionReset, ep.Error);
        Assert.Equal(1, t.Tcp.Statistics.EstabResets);
        t.ExpectNothing();
        Assert.Equal(0, ep.Send(new byte[1], false, out SocketError err));
        Assert.Equal(SocketError.ConnectionReset, err);
    }

    [Fact]
    public void Rst_InWindowButNotExact_GetsChallengeAck()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Rst, 5100);
        t.Expect(Ack, seq: 1001, ack: 5001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        Assert.Equal(1, t.Tcp.Statistics.TCPChallengeACK);
    }

    [Fact]
    public void Rst_OutOfWindow_IsDropped()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Rst, 5001 + 200_000);
        t.ExpectNothing();
        t.Send(Rst, 4000);
        t.ExpectNothing();
        Assert.Equal(TcpConnectionState.Established, ep.State);
    }

    [Fact]
    public void ChallengeAcks_AreRateLimited()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Tcp.ChallengeAckLimit = 2;
        t.Send(Rst, 5100);
        t.Send(Rst, 5101);
        t.Send(Rst, 5102);
        t.Expect(Ack, ack: 5001);
        t.Expect(Ack, ack: 5001);
        t.ExpectNothing();
        t.Advance(TimeSpan.FromSeconds(1));
        t.Send(Rst, 5103);
        t.Expect(Ack, ack: 5001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
    }

    [Fact]
    public void SynInEstablished_GetsChallengeAck_NotReset()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Syn, 5001);
        t.Expect(Ack, seq: 1001, ack: 5001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
    }

    [Fact]
    public void AckForUnsentData_IsAnsweredAndDropped()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Ack | Psh, 5001, 9999, payload: Bytes(10));
        t.Expect(Ack, seq: 1001, ack: 5001);
        Assert.Equal(0, ep.Available);
    }

    [Fact]
    public void OutOfWindowSegment_IsAcked()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Ack, 4000, 1001, payload: Bytes(10));
        t.Expect(Ack, seq: 1001, ack: 5001);
        Assert.Equal(0, ep.Available);
    }

    [Fact]
    public void Paws_OldTimestamp_IsDroppedAndAcked()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(timestamps: true);
        TcpSegment fresh = TcpTestContext.Seg(Ack | Psh, 5001, 1001);
        fresh.HasTimestamp = true;
        fresh.TsVal = 200;
        t.Send(fresh, Bytes(10));
        Assert.Equal(10, ep.Available);
        TcpSegment old = TcpTestContext.Seg(Ack | Psh, 5011, 1001);
        old.HasTimestamp = true;
        old.TsVal = 150; // older than TS.Recent = 200
        t.Send(old, Bytes(10));
        TcpSegment ack = t.Expect(Ack, ack: 5011);
        Assert.Equal(200u, ack.TsEcr);
        Assert.Equal(10, ep.Available);
        Assert.Equal(1, t.Tcp.Statistics.PAWSEstab);
    }

    [Fact]
    public void Rto_BacksOffExponentially_ThenGivesUp()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { MaxRetransmits = 4 });
        ep.Send(Bytes(100), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        TimeSpan rto = ep.GetInfo().Rto;
        for (int i = 0; i < 4; i++)
        {
            t.Advance(rto - TimeSpan.FromMilliseconds(1));
            t.ExpectNothing();
            t.Advance(TimeSpan.FromMilliseconds(1));
            t.Expect(Ack | Psh, seq: 1001);
            rto *= 2;
        }
        t.Advance(rto);
        t.Expect(Rst | Ack, seq: 1101, ack: 5001);
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(SocketError.TimedOut, ep.Error);
        Assert.Equal(4, t.Tcp.Statistics.TCPTimeouts);
    }

    [Fact]
    public void RtoRetransmission_ThenAckResumesNewData()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = Bytes(2920);
        ep.Send(data, false, out _);
        t.Expect(Ack, seq: 1001);
        t.Expect(Ack | Psh, seq: 2461);
        t.Advance(ep.GetInfo().Rto);
        t.Expect(Ack, seq: 1001, payload: data[..1460]);   // go back to SND.UNA, cwnd = 1 MSS
        t.ExpectNothing();
        t.Send(Ack, 5001, 2461);
        t.Expect(Ack | Psh, seq: 2461, payload: data[1460..]);
        t.Send(Ack, 5001, 3921);
        t.ExpectNothing();
    }

    [Fact]
    public void FastRetransmit_AfterThreeDuplicateAcks()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = Bytes(1460 * 6);
        ep.Send(data, false, out _);
        for (int i = 0; i < 6; i++)
        {
            t.Next(out _);
        }
        t.Send(Ack, 5001, 1001);   // first segment lost: duplicate ACKs
        t.Send(Ack, 5001, 1001);
        t.ExpectNothing();
        t.Send(Ack, 5001, 1001);
        t.Expect(Ack, seq: 1001, payload: data[..1460]);
        Assert.Equal(1, t.Tcp.Statistics.TCPFastRetrans);
        // A partial ACK (NewReno, RFC 6582) retransmits the next hole at once.
        t.Send(Ack, 5001, 2461);
        t.Expect(Ack, seq: 2461, payload: data[1460..2920]);
        t.Send(Ack, 5001, 1001 + (uint)data.Length);
        t.ExpectNothing();
    }

    [Fact]
    public void ZeroWindow_ProbesWithBackoff_ThenResumes()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = Bytes(3000);
        ep.Send(data.AsSpan(0, 1000), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        t.Send(Ack, 5001, 2001, window: 0);          // everything acked, window closed
        ep.Send(data.AsSpan(1000), false, out _);
        t.ExpectNothing();
        TimeSpan rto = ep.GetInfo().Rto;
        t.Advance(rto);
        t.Expect(Ack, seq: 2000);                      // probe: SND.UNA - 1, no data
        t.Send(Ack, 5001, 2001, window: 0);
        t.Advance(rto * 2 - TimeSpan.FromMilliseconds(1));
        t.ExpectNothing();                             // backed off
        t.Advance(TimeSpan.FromMilliseconds(1));
        t.Expect(Ack, seq: 2000);
        t.Send(Ack, 5001, 2001, window: 65535);        // window opens
        t.Expect(Ack, seq: 2001, payload: data[1000..2460]);
        t.Expect(Ack | Psh, seq: 3461, payload: data[2460..]);
    }

    [Fact]
    public void ReceiverAdvertisesZeroWindow_WhenBufferFull_AndUpdatesAfterRead()
    {
        using var t = new TcpTestContext();
        var options = new TcpEndpointOptions { ReceiveBufferSize = 4000, WindowScaling = false, QuickAck = false };
        TcpEndpoint ep = t.EstablishPassive(options: options);
        t.Send(Ack, 5001, 1001, payload: Bytes(2000));
        t.Send(Ack, 7001, 1001, payload: Bytes(2000));
        t.Expect(Ack, ack: 9001, window: 0);
        t.Send(Ack, 9001, 1001, payload: Bytes(1));     // beyond the window: dropped, ACKed
        t.Expect(Ack, ack: 9001, window: 0);
        var buffer = new byte[4000];
        Assert.Equal(4000, ep.Receive(buffer, false, out _, out _));
        t.Expect(Ack, ack: 9001, window: 4000);          // window update after the read
    }

    [Fact]
    public void Keepalive_ProbesAndTimesOut()
    {
        using var t = new TcpTestContext();
        var options = new TcpEndpointOptions
        {
            KeepAlive = true,
            KeepAliveTime = TimeSpan.FromSeconds(10),
            KeepAliveInterval = TimeSpan.FromSeconds(2),
            KeepAliveProbes = 3,
        };
        TcpEndpoint ep = t.EstablishPassive(options: options);
        t.Advance(TimeSpan.FromSeconds(10));
        t.Expect(Ack, seq: 1000, ack: 5001);
        t.Send(Ack, 5001, 1001);                         // the peer answers: idle timer restarts
        t.Advance(TimeSpan.FromSeconds(9));
        t.ExpectNothing();
        t.Advance(TimeSpan.FromSeconds(3));
        t.Expect(Ack, seq: 1000);
        t.Advance(TimeSpan.FromSeconds(2));
        t.Expect(Ack, seq: 1000);
        t.Advance(TimeSpan.FromSeconds(2));
        t.Expect(Ack, seq: 1000);
        t.Advance(TimeSpan.FromSeconds(2));
        t.Expect(Rst | Ack, ack: 5001);
        Assert.Equal(SocketError.TimedOut, ep.Error);
    }

    [Fact]
    public void TimeWait_NewSynWithHigherSequence_ReusesTuple()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Fin | Ack, 5001, 1001);
        t.Expect(Ack, ack: 5002);
        ep.Close();
        t.Expect(Fin | Ack, seq: 1001);
        t.Send(Ack, 5002, 1002);
        Assert.Equal(TcpConnectionState.Closed, ep.State); // passive close: no TIME-WAIT here

        using var t2 = new TcpTestContext();
        TcpEndpoint ep2 = t2.EstablishPassive();
        ep2.Close();
        t2.Expect(Fin | Ack, seq: 1001);
        t2.Send(Fin | Ack, 5001, 1002);
        t2.Expect(Ack, ack: 5002);
        Assert.Equal(TcpConnectionState.TimeWait, ep2.State);
        t2.Iss = 90000;
        t2.Send(Syn, 9000);                              // higher than RCV.NXT: a new incarnation
        t2.Expect(Syn | Ack, seq: 90000, ack: 9001);
        Assert.Equal(TcpConnectionState.Closed, ep2.State);
        Assert.Equal(1, t2.Tcp.Statistics.TCPTimeWaitReuse);
    }

    [Fact]
    public void DataAfterApplicationClose_IsAnsweredWithRst()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Close();
        t.Expect(Fin | Ack, seq: 1001);
        t.Send(Ack | Psh, 5001, 1002, payload: Bytes(10));
        t.Expect(Rst, seq: 1002); // a reply to the segment: SEQ = SEG.ACK, no ACK (RFC 9293 §3.10.7.4, as Linux)
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(1, t.Tcp.Statistics.TCPAbortOnData);
    }

    [Fact]
    public void DataAfterApplicationClose_RstTakesTheSegmentsAck()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Close();
        t.Expect(Fin | Ack, seq: 1001);
        t.Send(Ack | Psh, 5001, 1001, payload: Bytes(10)); // data that does not acknowledge our FIN yet
        t.Expect(Rst, seq: 1001);                            // a reply to it: SEQ = SEG.ACK, not our SND.MAX (1002)
        Assert.Equal(TcpConnectionState.Closed, ep.State);
    }
}

public class TcpWindowTests
{
    [Fact]
    public void ScaledWindow_RightEdgeNeverMovesLeft()
    {
        // Regression: truncating RCV.WND >> scale shrank the window by a few bytes; the Linux peer
        // sent into them, its segments became unacceptable and the connection deadlocked.
        using var t = new TcpTestContext();
        t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000);
        syn.Mss = 1460;
        syn.WindowScale = 7;
        t.Send(syn);
        TcpSegment synAck = t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        int shift = synAck.WindowScale;
        Assert.True(shift > 0);
        t.Send(Ack, 5001, 1001);
        uint seq = 5001;
        long edge = 0;
        var rng = new Random(9);
        for (int i = 0; i < 200; i++)
        {
            int n = rng.Next(1, 1460);
            t.Send(Ack, seq, 1001, payload: new byte[n]);
            seq += (uint)n;
            t.Advance(40);
            while (t.Host.Sent.Count > 0)
            {
                TcpSegment ack = t.Next(out _);
                long right = (long)ack.Ack.Value + ((long)ack.Window << shift);
                Assert.True(right >= edge, $"right edge moved left: {right} < {edge}");
                edge = right;
            }
        }
    }
}
