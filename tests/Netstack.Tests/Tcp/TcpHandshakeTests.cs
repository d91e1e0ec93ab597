using Netstack.Stack;
using System.Net.Sockets;
using Netstack.Transport.Tcp;
using Netstack.Wire;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

public class TcpHandshakeTests
{
    [Fact]
    public void PassiveOpen_SynSynAckAck_Establishes()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen();
        TcpSegment syn = TcpTestContext.Seg(Syn, 5000);
        syn.Mss = 1400;
        syn.WindowScale = 7;
        syn.SackPermitted = true;
        syn.HasTimestamp = true;
        syn.TsVal = 777;
        t.Send(syn);
        TcpSegment synAck = t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        Assert.Equal(1460, synAck.Mss);
        Assert.True(synAck.WindowScale >= 0);
        Assert.True(synAck.SackPermitted);
        Assert.True(synAck.HasTimestamp);
        Assert.Equal(777u, synAck.TsEcr);
        Assert.Null(listener.TryAccept(false, out _));

        TcpSegment ack = TcpTestContext.Seg(Ack, 5001, 1001);
        ack.HasTimestamp = true;
        ack.TsVal = 778;
        ack.TsEcr = synAck.TsVal;
        t.Send(ack);
        t.ExpectNothing();
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        Assert.Equal(1, t.Tcp.Statistics.PassiveOpens);
        Assert.Equal(1, t.Tcp.Statistics.CurrEstab);
    }

    [Fact]
    public void ActiveOpen_SendsSynWithOptions_AndAcksSynAck()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        TcpSegment syn = t.Expect(Syn, seq: 1000);
        Assert.Equal(1460, syn.Mss);
        Assert.True(syn.SackPermitted);
        Assert.True(syn.HasTimestamp);
        Assert.Equal(SocketError.IOPending, ep.PollConnect(false));
        Assert.Equal(TcpConnectionState.SynSent, ep.State);

        t.Send(Syn | Ack, 7000, 1001);
        t.Expect(Ack, seq: 1001, ack: 7001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        Assert.Equal(SocketError.Success, ep.PollConnect(false));
        Assert.Equal(1, t.Tcp.Statistics.ActiveOpens);
    }

    [Fact]
    public void ActiveOpen_RstAckToSyn_IsConnectionRefused()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        t.Expect(Syn, seq: 1000);
        t.Send(Rst | Ack, 0, 1001);
        Assert.Equal(SocketError.ConnectionRefused, ep.PollConnect(false));
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(0, t.Tcp.ConnectionCount);
        t.ExpectNothing();
    }

    [Fact]
    public void SynSent_RstWithUnacceptableAck_IsIgnored()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        t.Expect(Syn, seq: 1000);
        t.Send(Rst | Ack, 0, 999);
        Assert.Equal(TcpConnectionState.SynSent, ep.State);
        t.ExpectNothing();
    }

    [Fact]
    public void SynSent_BadAck_AnsweredWithRst()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        t.Expect(Syn, seq: 1000);
        t.Send(Syn | Ack, 7000, 5555);
        t.Expect(Rst, seq: 5555);
        Assert.Equal(TcpConnectionState.SynSent, ep.State);
    }

    [Fact]
    public void SimultaneousOpen_BothSyn_ReachEstablished()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        t.Expect(Syn, seq: 1000);
        t.Send(Syn, 7000);                    // the peer's SYN crosses ours
        t.Expect(Syn | Ack, seq: 1000, ack: 7001);
        Assert.Equal(TcpConnectionState.SynReceived, ep.State);
        t.Send(Syn | Ack, 7000, 1001);        // the peer's SYN-ACK
        t.Expect(Ack, seq: 1001, ack: 7001);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        Assert.Equal(SocketError.Success, ep.PollConnect(false));
    }

    [Fact]
    public void SegmentToClosedPort_GetsRst_PerRfc9293()
    {
        using var t = new TcpTestContext();
        t.Send(Syn, 5000);
        t.Expect(Rst | Ack, seq: 0, ack: 5001);
        t.Send(Ack, 5001, 1234);
        t.Expect(Rst, seq: 1234);
        t.Send(Rst, 5001);
        t.ExpectNothing();
        t.Send(Ack | Psh, 9000, 1, payload: new byte[10]);
        t.Expect(Rst, seq: 1);
        Assert.Equal(3, t.Tcp.Statistics.OutRsts);
    }

    [Fact]
    public void BadChecksum_IsCountedAndDropped()
    {
        using var t = new TcpTestContext();
        t.Listen();
        t.Send(TcpTestContext.Seg(Syn, 5000), corruptChecksum: true);
        t.ExpectNothing();
        Assert.Equal(1, t.Tcp.Statistics.InCsumErrors);
        Assert.Equal(1, t.Tcp.Statistics.InErrs);
    }

    [Fact]
    public void TruncatedHeader_IsCountedAndDropped()
    {
        using var t = new TcpTestContext();
        var packet = t.Host.Pool.Rent(10);
        packet.Append(10).Fill(0xFF);
        t.Tcp.HandleSegment(TcpTestContext.Remote, TcpTestContext.Local, packet, checksumValid: true, TransmitContext.Immediate);
        t.ExpectNothing();
        Assert.Equal(1, t.Tcp.Statistics.InErrs);
        Assert.Equal(0, t.Host.Pool.Outstanding);
    }

    [Fact]
    public void SynReceived_RetransmittedSyn_ResendsSynAck()
    {
        using var t = new TcpTestContext();
        t.Listen();
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
    }

    [Fact]
    public void SynAckLost_RetransmittedAfterRto()
    {
        using var t = new TcpTestContext();
        t.Listen();
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Advance(999);
        t.ExpectNothing();
        t.Advance(1);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
        t.Advance(2000);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);
    }

    [Fact]
    public void Connect_NoAnswer_BacksOffAndTimesOut()
    {
        using var t = new TcpTestContext();
        var options = new TcpEndpointOptions { SynRetries = 3 };
        TcpEndpoint ep = t.Connect(options);
        t.Expect(Syn, seq: 1000);
        foreach (int wait in new[] { 1000, 2000, 4000 })
        {
            t.Advance(wait - 1);
            t.ExpectNothing();
            t.Advance(1);
            t.Expect(Syn, seq: 1000);
        }
        t.Advance(8000);
        t.ExpectNothing();
        Assert.Equal(SocketError.TimedOut, ep.PollConnect(false));
        Assert.Equal(1, t.Tcp.Statistics.AttemptFails);
        Assert.Equal(0, t.Tcp.ConnectionCount);
    }

    [Fact]
    public void AckInListen_GetsRst()
    {
        using var t = new TcpTestContext();
        t.Listen();
        t.Send(Ack, 5000, 4242);
        t.Expect(Rst, seq: 4242);
    }

    [Fact]
    public void BacklogFull_DropsSyn_WhenCookiesAreOff()
    {
        using var t = new TcpTestContext();
        t.Tcp.SynCookiesEnabled = false;
        t.Listen(backlog: 1);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack);
        TcpSegment second = TcpTestContext.Seg(Syn, 6000);
        second.SourcePort = 50000;
        t.Send(second);
        t.ExpectNothing();
        Assert.Equal(1, t.Tcp.Statistics.ListenOverflows);
    }
}
