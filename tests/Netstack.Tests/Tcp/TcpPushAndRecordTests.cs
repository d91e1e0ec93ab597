using System.Net.Sockets;
using Netstack.Link;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Where the sender sets PSH (the end of each write, RFC 1122 §4.2.2.2, and new GSO super-segments), record ends that
/// no segment crosses (MSG_EOR), and what cork (TCP_CORK, MSG_MORE) holds back and for how long.
/// </summary>
public class TcpPushAndRecordTests
{
    private static byte[] Bytes(int n) => new byte[n];

    /// <summary>The peer's window is closed, so writes queue; opening it sends what queued in one go.</summary>
    private static TcpEndpoint EstablishWithClosedWindow(TcpTestContext t, TcpEndpointOptions? options = null) =>
        t.EstablishPassive(peerWindow: 0, options: options);

    private static void OpenWindow(TcpTestContext t, uint ack = 1001) => t.Send(Ack, 5001, ack, window: 65535);

    [Fact]
    public void Push_OnTheSegmentCarryingEachWritesEnd_NotOnTheOthers()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithClosedWindow(t, new TcpEndpointOptions { QuickAck = false, NoDelay = true });
        ep.Send(Bytes(2000), false, out _);
        ep.Send(Bytes(2000), false, out _); // appends to bytes never sent: takes over the first write's push
        ep.Send(Bytes(100), TcpWriteFlags.More, false, out _); // MSG_MORE: not pushed, and it ends no push
        t.ExpectNothing();
        OpenWindow(t);
        t.Expect(Ack, seq: 1001);
        t.Expect(Ack, seq: 2461);
        t.Expect(Ack, seq: 3921); // the last 1180 bytes: the third write took over the push and asked for none
        Assert.Equal(1180, t.LastPayload.Length);
        t.ExpectNothing();
    }

    [Fact]
    public void Push_MarksEverySentWriteEnd_AndRetransmissionsKeepIt()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, NoDelay = true });
        ep.Send(Bytes(1000), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        ep.Send(Bytes(1000), false, out _);
        t.Expect(Ack | Psh, seq: 2001);
        t.Advance(TimeSpan.FromSeconds(1)); // RTO: go back to SND.UNA
        t.Expect(Ack | Psh, seq: 1001); // the first write's end is in the resent segment
    }

    [Fact]
    public void Push_NotOnAResentSegmentWithoutAWriteEnd()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(Bytes(3000), false, out _);
        t.Expect(Ack, seq: 1001);
        t.Expect(Ack, seq: 2461);
        t.Expect(Ack | Psh, seq: 3921);
        t.Advance(TimeSpan.FromSeconds(1));
        t.Expect(Ack, seq: 1001); // the retransmission of 1001:2461 has no write end: no PSH
    }

    [Fact]
    public void Push_OnEveryNewGsoSuperSegment()
    {
        using var t = new TcpTestContext(capabilities: LinkCapabilities.Gso, gsoMaxSize: 65535);
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(Bytes(30000), false, out _);
        // The initial window as two super-segments of half of it each (Linux tcp_cwnd_test), both inside the write:
        // PSH all the same.
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(5 * 1460, t.LastPayload.Length);
        t.Expect(Ack | Psh, seq: 1001 + 5 * 1460);
        Assert.Equal(5 * 1460, t.LastPayload.Length);
        t.ExpectNothing();
    }

    [Fact]
    public void Record_NoNewSegmentCrossesItsEnd_AndItGoesPastNagle()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithClosedWindow(t);
        ep.Send(Bytes(400), TcpWriteFlags.EndOfRecord, false, out _);
        ep.Send(Bytes(400), TcpWriteFlags.EndOfRecord, false, out _);
        ep.Send(Bytes(1000), false, out _);
        OpenWindow(t);
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(400, t.LastPayload.Length);
        t.Expect(Ack | Psh, seq: 1401); // short and another short one unacknowledged, yet Nagle does not hold a record end
        Assert.Equal(400, t.LastPayload.Length);
        t.ExpectNothing(); // the last 1000 bytes end no record and can grow: Nagle holds them (Minshall)
        t.Send(Ack, 5001, 1801);
        t.Expect(Ack | Psh, seq: 1801);
        Assert.Equal(1000, t.LastPayload.Length);
    }

    [Fact]
    public void Record_RetransmissionDoesNotCoalesceRecords()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithClosedWindow(t);
        ep.Send(Bytes(400), TcpWriteFlags.EndOfRecord, false, out _);
        ep.Send(Bytes(400), TcpWriteFlags.EndOfRecord, false, out _);
        ep.Send(Bytes(2000), false, out _);
        OpenWindow(t);
        t.Expect(Ack | Psh, seq: 1001);
        t.Expect(Ack | Psh, seq: 1401);
        t.Expect(Ack, seq: 1801);
        t.ExpectNothing(); // the 540-byte tail: Nagle
        t.Advance(TimeSpan.FromSeconds(1)); // RTO: the first segment again, still only its record
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(400, t.LastPayload.Length);
    }

    [Fact]
    public void Cork_HoldsThePartialTail_UntilUncorked()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, Cork = true });
        ep.Send(Bytes(40), false, out _);
        t.Advance(50);
        ep.Send(Bytes(40), false, out _);
        t.ExpectNothing();
        ep.Options.Cork = false;
        ep.OptionsChanged();
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(80, t.LastPayload.Length);
    }

    [Fact]
    public void Cork_SendsFullSegments_HoldsOnlyTheTail()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, Cork = true });
        ep.Send(Bytes(3000), false, out _);
        t.Expect(Ack, seq: 1001);
        t.Expect(Ack, seq: 2461);
        t.ExpectNothing(); // 80 bytes wait for more
        ep.Send(Bytes(1380), false, out _);
        t.Expect(Ack | Psh, seq: 3921); // filled to a full segment: it goes, with the write's end
        Assert.Equal(1460, t.LastPayload.Length);
    }

    [Fact]
    public void Cork_ReleasesTheTailAfterOneRto_WithPush()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, Cork = true });
        ep.Send(Bytes(40), false, out _);
        t.Advance(199); // the handshake measured no RTT: the RTO is its 200 ms floor
        t.ExpectNothing();
        t.Advance(1);
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(40, t.LastPayload.Length);
    }

    [Fact]
    public void More_HoldsOnlyForItsOwnWrite()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, NoDelay = true });
        ep.Send(Bytes(100), TcpWriteFlags.More, false, out _);
        ep.Send(Bytes(160), TcpWriteFlags.More, false, out _);
        t.ExpectNothing();
        ep.Send(Bytes(5), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        Assert.Equal(265, t.LastPayload.Length);
    }

    [Fact]
    public void More_TailReleasedAfterOneRto_WithPush()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, NoDelay = true });
        ep.Send(Bytes(40), TcpWriteFlags.More, false, out _);
        t.Advance(199);
        t.ExpectNothing();
        t.Advance(1);
        t.Expect(Ack | Psh, seq: 1001);
    }

    [Fact]
    public void More_GsoSuperSegmentBeforeAHeldTail_HasNoPush()
    {
        using var t = new TcpTestContext(capabilities: LinkCapabilities.Gso, gsoMaxSize: 65535);
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false, NoDelay = true });
        ep.Send(Bytes(3000), TcpWriteFlags.More, false, out _);
        t.Expect(Ack, seq: 1001); // 2920 bytes in one super-segment: no PSH, as Linux for a corked write
        Assert.Equal(2920, t.LastPayload.Length);
        t.ExpectNothing();
    }

    [Fact]
    public void More_TailWaitsThroughOtherTimers()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions
        {
            QuickAck = false, NoDelay = true, KeepAlive = true, KeepAliveTime = TimeSpan.FromMilliseconds(50),
        });
        ep.OptionsChanged();
        ep.Send(Bytes(40), TcpWriteFlags.More, false, out _);
        t.Advance(50);
        t.Expect(Ack, seq: 1000); // the keepalive probe; its timer's output does not let the held tail go
        t.ExpectNothing();
        t.Advance(150);
        t.Expect(Ack | Psh, seq: 1001);
    }
}
