using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

public class TcpSynCookieTests
{
    private static TcpSegment From(ushort port, TcpSegment s)
    {
        s.SourcePort = port;
        return s;
    }

    [Fact]
    public void BacklogFull_SynCookieCompletesTheConnection()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen(backlog: 1);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack, seq: 1000, ack: 5001);            // the normal, stateful way: backlog now full

        TcpSegment syn = From(50001, TcpTestContext.Seg(Syn, 7000));
        syn.Mss = 1460;
        t.Send(syn);
        TcpSegment cookieSynAck = t.Expect(Syn | Ack, ack: 7001);
        Assert.Equal(1460, cookieSynAck.Mss);
        Assert.Equal(1, t.Tcp.Statistics.SyncookiesSent);
        Assert.Equal(1, t.Tcp.ConnectionCount);                // no state kept for the cookie

        uint cookie = cookieSynAck.Seq.Value;
        t.Send(From(50001, TcpTestContext.Seg(Ack | Psh, 7001, cookie + 1)), "hello"u8);
        Assert.Equal(1, t.Tcp.Statistics.SyncookiesRecv);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        Assert.Equal(50001, ep.Id.RemotePort);
        var buffer = new byte[16];
        Assert.Equal(5, ep.Receive(buffer, false, out _, out _));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        ep.Send("world"u8, false, out _);
        TcpSegment reply = t.Expect(Ack | Psh, seq: cookie + 1, ack: 7006);
        Assert.Equal(50001, reply.DestinationPort);
    }

    [Fact]
    public void SynCookie_CarriesWindowScaleAndSackInTimestamp()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen(backlog: 1);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack);
        TcpSegment syn = From(50002, TcpTestContext.Seg(Syn, 7000));
        syn.Mss = 1460;
        syn.WindowScale = 9;
        syn.SackPermitted = true;
        syn.HasTimestamp = true;
        syn.TsVal = 4242;
        t.Send(syn);
        TcpSegment synAck = t.Expect(Syn | Ack, ack: 7001);
        Assert.True(synAck.HasTimestamp && synAck.SackPermitted && synAck.WindowScale >= 0);
        TcpSegment ack = From(50002, TcpTestContext.Seg(Ack, 7001, synAck.Seq.Value + 1, window: 100));
        ack.HasTimestamp = true;
        ack.TsVal = 4243;
        ack.TsEcr = synAck.TsVal;
        t.Send(ack);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        TcpInfo info = ep.GetInfo();
        Assert.True(info.Timestamps);
        Assert.True(info.Sack);
        Assert.Equal(9, info.SendWindowScale);
        Assert.Equal(100u << 9, info.SendWindow);
        Assert.Equal(1448, info.SendMss);
    }

    [Fact]
    public void ForgedCookieAck_IsResetAndCounted()
    {
        using var t = new TcpTestContext();
        TcpListenSocket listener = t.Listen(backlog: 1);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack);
        t.Send(From(50003, TcpTestContext.Seg(Syn, 7000)));
        TcpSegment synAck = t.Expect(Syn | Ack);
        uint forged = synAck.Seq.Value + 1 + 0x00800000;
        t.Send(From(50003, TcpTestContext.Seg(Ack, 7001, forged)));
        t.Expect(Rst, seq: forged);
        Assert.Equal(1, t.Tcp.Statistics.SyncookiesFailed);
        Assert.Null(listener.TryAccept(false, out _));
    }

    [Fact]
    public void CookiesDisabled_FullBacklogDrops()
    {
        using var t = new TcpTestContext();
        t.Tcp.SynCookiesEnabled = false;
        t.Listen(backlog: 1);
        t.Send(Syn, 5000);
        t.Expect(Syn | Ack);
        t.Send(From(50004, TcpTestContext.Seg(Syn, 7000)));
        t.ExpectNothing();
        Assert.Equal(1, t.Tcp.Statistics.ListenDrops);
    }
}
