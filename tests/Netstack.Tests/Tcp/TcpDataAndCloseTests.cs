using System.Net.Sockets;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

public class TcpDataAndCloseTests
{
    private static byte[] Bytes(int n, int seed = 1)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static byte[] ReadAll(TcpEndpoint ep)
    {
        var buffer = new byte[1 << 20];
        int n = ep.Receive(buffer, false, out _, out _);
        return buffer[..n];
    }

    [Fact]
    public void Receive_InOrderData_DelayedAckAfter40ms()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = Bytes(100);
        t.Send(Ack | Psh, 5001, 1001, payload: data);
        t.ExpectNothing();
        t.Advance(39);
        t.ExpectNothing();
        t.Advance(1);
        t.Expect(Ack, seq: 1001, ack: 5101);
        Assert.Equal(data, ReadAll(ep));
    }

    [Fact]
    public void Receive_TwoFullSegments_AckedAtOnce()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Ack, 5001, 1001, payload: Bytes(1460, 1));
        t.ExpectNothing();
        t.Send(Ack, 6461, 1001, payload: Bytes(1460, 2));
        t.Expect(Ack, seq: 1001, ack: 7921);
        Assert.Equal(2920, ReadAll(ep).Length);
    }

    [Fact]
    public void Send_DataGoesOutAndAckFreesBuffer()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = Bytes(3000);
        Assert.Equal(3000, ep.Send(data, false, out SocketError error));
        Assert.Equal(SocketError.Success, error);
        t.Expect(Ack, seq: 1001, ack: 5001, payload: data[..1460]);
        t.Expect(Ack, seq: 2461, ack: 5001, payload: data[1460..2920]);
        t.Expect(Ack | Psh, seq: 3921, ack: 5001, payload: data[2920..]);
        t.ExpectNothing();
        t.Send(Ack, 5001, 4001);
        t.ExpectNothing();
        t.Advance(TimeSpan.FromSeconds(5));
        t.ExpectNothing(); // everything acknowledged: no retransmission
    }

    [Fact]
    public void Nagle_HoldsSmallSegmentWhileDataOutstanding_NoDelayDoesNot()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(Bytes(10), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        ep.Send(Bytes(10), false, out _);
        t.ExpectNothing();               // Nagle: 10 bytes still unacknowledged
        t.Send(Ack, 5001, 1011);
        t.Expect(Ack | Psh, seq: 1011);  // released by the ACK

        ep.Options.NoDelay = true;
        ep.Send(Bytes(10), false, out _);
        t.Expect(Ack | Psh, seq: 1021);
    }

    [Fact]
    public void PassiveClose_FinThenCloseWaitThenLastAck()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Fin | Ack, 5001, 1001);
        t.Expect(Ack, seq: 1001, ack: 5002);
        Assert.Equal(TcpConnectionState.CloseWait, ep.State);
        Assert.Equal(0, ep.Receive(new byte[10], false, out bool eof, out _));
        Assert.True(eof);
        ep.Close();
        t.Expect(Fin | Ack, seq: 1001, ack: 5002);
        Assert.Equal(TcpConnectionState.LastAck, ep.State);
        t.Send(Ack, 5002, 1002);
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(0, t.Tcp.ConnectionCount);
        Assert.Equal(0, t.Tcp.Statistics.CurrEstab);
    }

    [Fact]
    public void ActiveClose_FinWait1_FinWait2_TimeWait_Closed()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Close();
        t.Expect(Fin | Ack, seq: 1001, ack: 5001);
        Assert.Equal(TcpConnectionState.FinWait1, ep.State);
        t.Send(Ack, 5001, 1002);
        Assert.Equal(TcpConnectionState.FinWait2, ep.State);
        t.Send(Fin | Ack, 5001, 1002);
        t.Expect(Ack, seq: 1002, ack: 5002);
        Assert.Equal(TcpConnectionState.TimeWait, ep.State);
        // A retransmitted FIN in TIME-WAIT is acknowledged again and restarts 2·MSL.
        t.Advance(TimeSpan.FromSeconds(30));
        t.Send(Fin | Ack, 5001, 1002);
        t.Expect(Ack, seq: 1002, ack: 5002);
        t.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(TcpConnectionState.TimeWait, ep.State);
        t.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(0, t.Tcp.ConnectionCount);
        t.ExpectNothing();
    }

    [Fact]
    public void SimultaneousClose_Closing_TimeWait()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Shutdown();
        t.Expect(Fin | Ack, seq: 1001, ack: 5001);
        t.Send(Fin | Ack, 5001, 1001);   // the peer's FIN crossed ours
        t.Expect(Ack, seq: 1002, ack: 5002);
        Assert.Equal(TcpConnectionState.Closing, ep.State);
        t.Send(Ack, 5002, 1002);
        Assert.Equal(TcpConnectionState.TimeWait, ep.State);
    }

    [Fact]
    public void FinAndAckTogether_FinWait1_ToTimeWait()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Shutdown();
        t.Expect(Fin | Ack, seq: 1001);
        t.Send(Fin | Ack, 5001, 1002);
        t.Expect(Ack, seq: 1002, ack: 5002);
        Assert.Equal(TcpConnectionState.TimeWait, ep.State);
    }

    [Fact]
    public void HalfClose_DataStillFlowsTowardsUs()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Shutdown();
        t.Expect(Fin | Ack, seq: 1001);
        t.Send(Ack, 5001, 1002);
        Assert.Equal(TcpConnectionState.FinWait2, ep.State);
        Assert.Equal(0, ep.Send(Bytes(5), false, out SocketError err));
        Assert.Equal(SocketError.Shutdown, err);
        byte[] data = Bytes(500);
        t.Send(Ack | Psh, 5001, 1002, payload: data);
        t.Advance(40);
        t.Expect(Ack, ack: 5501);
        Assert.Equal(data, ReadAll(ep));
    }

    [Fact]
    public void Abort_SendsRst()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Abort();
        t.Expect(Rst | Ack, seq: 1001, ack: 5001); // RFC 9293 §3.10.4 with the ACK, as Linux
        Assert.Equal(TcpConnectionState.Closed, ep.State);
        Assert.Equal(0, t.Tcp.ConnectionCount);
    }

    [Fact]
    public void Abort_WithTimestamps_SendsRstCarryingTheTimestampOption()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(timestamps: true);
        t.Advance(TimeSpan.FromSeconds(1));
        ep.Abort();
        TcpSegment rst = t.Expect(Rst | Ack, seq: 1001, ack: 5001);
        Assert.True(rst.HasTimestamp); // RFC 7323 §3.2: SHOULD be sent in an RST once negotiated
        Assert.Equal(101u, rst.TsEcr);
        Assert.True(rst.TsVal >= 1000, $"TSval {rst.TsVal} did not move with the clock");
    }

    [Fact]
    public void LingerZero_CloseSendsRst()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(options: new TcpEndpointOptions { LingerZero = true });
        ep.Close();
        t.Expect(Rst | Ack, seq: 1001, ack: 5001);
    }

    [Fact]
    public void CloseWithUnreadData_SendsRst()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Ack | Psh, 5001, 1001, payload: Bytes(10));
        ep.Close();
        t.Expect(Rst | Ack, seq: 1001, ack: 5011);
        Assert.Equal(1, t.Tcp.Statistics.TCPAbortOnClose);
        Assert.Equal(0, t.Host.Pool.Outstanding);
    }

    [Fact]
    public void OutOfOrder_AckedAtOnceWithSack_ThenHoleFill()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(sack: true);
        byte[] data = Bytes(3000);
        t.Send(Ack, 6001, 1001, payload: data.AsSpan(1000..2000));
        TcpSegment dup = t.Expect(Ack, ack: 5001);
        Assert.Equal(1, dup.SackCount);
        Assert.Equal(6001u, dup.Sack[0].Left.Value);
        Assert.Equal(7001u, dup.Sack[0].Right.Value);
        t.Send(Ack, 7501, 1001, payload: data.AsSpan(2500..3000));
        TcpSegment dup2 = t.Expect(Ack, ack: 5001);
        Assert.Equal(2, dup2.SackCount);
        Assert.Equal(7501u, dup2.Sack[0].Left.Value);   // most recent first (RFC 2018 §4)
        t.Send(Ack, 5001, 1001, payload: data.AsSpan(0..1000));
        TcpSegment fill = t.Expect(Ack, ack: 7001);
        Assert.Equal(1, fill.SackCount);
        t.Send(Ack, 7001, 1001, payload: data.AsSpan(2000..2500));
        TcpSegment done = t.Expect(Ack, ack: 8001);
        Assert.Equal(0, done.SackCount);
        Assert.Equal(3000, ep.GetInfo().BytesReceived); // the bytes that waited in the reassembly queue count too
        Assert.Equal(data, ReadAll(ep));
    }

    [Fact]
    public void DuplicateData_ReportedWithDsack()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(sack: true);
        t.Send(Ack, 5001, 1001, payload: Bytes(100));
        t.Send(Ack, 5001, 1001, payload: Bytes(100));
        TcpSegment ack = t.Expect(Ack, ack: 5101);
        Assert.Equal(1, ack.SackCount);
        Assert.Equal(5001u, ack.Sack[0].Left.Value);
        Assert.Equal(5101u, ack.Sack[0].Right.Value);
        _ = ep;
    }

    [Fact]
    public void SequenceWrapAround_DataAcrossTwoToThe32()
    {
        using var t = new TcpTestContext { Iss = uint.MaxValue - 1000 };
        TcpEndpoint ep = t.EstablishPassive(peerIss: uint.MaxValue - 500);
        byte[] incoming = Bytes(1400);
        t.Send(Ack, uint.MaxValue - 499, t.Iss + 1, payload: incoming);
        t.Advance(40);
        t.Expect(Ack, ack: unchecked(uint.MaxValue - 499 + 1400));
        Assert.Equal(incoming, ReadAll(ep));

        byte[] outgoing = Bytes(2920, 3);
        ep.Send(outgoing, false, out _);
        t.Expect(Ack, seq: t.Iss + 1, payload: outgoing[..1460]);
        t.Expect(Ack | Psh, seq: unchecked(t.Iss + 1 + 1460), payload: outgoing[1460..]);
        t.Send(Ack, unchecked(uint.MaxValue - 499 + 1400), unchecked(t.Iss + 1 + 2920));
        t.ExpectNothing();
        ep.Close();
        t.Expect(Fin | Ack, seq: unchecked(t.Iss + 1 + 2920));
    }

    [Fact]
    public void NoLeaks_AfterTransferAndClose()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        t.Send(Ack, 5001, 1001, payload: Bytes(1000));
        ep.Send(Bytes(5000), false, out _);
        t.Send(Fin | Ack, 6001, 1001);
        ReadAll(ep);
        ep.Abort();
        t.Dispose();
        Assert.Equal(0, t.Host.Pool.Outstanding);
    }
}
