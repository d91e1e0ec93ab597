using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Quick-ACK mode (Linux tcp_incr_quickack; found with packetdrill's blocking-read, shutdown and ts_recent scripts, which
/// expect the first data to be acknowledged at once): the first 16 in-order segments are each acknowledged at once, then
/// delayed ACKs resume; after the peer was silent longer than the RTO, quick ACKs start again.
/// </summary>
public class TcpQuickAckTests
{
    private static byte[] Bytes(int n) => Enumerable.Range(0, n).Select(i => (byte)i).ToArray();

    [Fact]
    public void FirstData_IsAcknowledgedAtOnce()
    {
        using var t = new TcpTestContext();
        t.EstablishPassive(options: new TcpEndpointOptions());
        t.Send(Ack | Psh, 5001, 1001, payload: Bytes(100));
        t.Expect(Ack, seq: 1001, ack: 5101);
    }

    [Fact]
    public void AfterSixteenQuickAcks_DelayedAcksResume()
    {
        using var t = new TcpTestContext();
        t.EstablishPassive(options: new TcpEndpointOptions());
        uint seq = 5001;
        for (int i = 0; i < 16; i++)
        {
            t.Send(Ack | Psh, seq, 1001, payload: Bytes(100));
            seq += 100;
            t.Expect(Ack, seq: 1001, ack: seq);
        }
        t.Send(Ack | Psh, seq, 1001, payload: Bytes(100));
        t.ExpectNothing();
        t.Advance(40);
        t.Expect(Ack, seq: 1001, ack: seq + 100);
    }

    [Fact]
    public void DataAfterIdleLongerThanRto_RestartsQuickAcks()
    {
        using var t = new TcpTestContext();
        t.EstablishPassive(options: new TcpEndpointOptions());
        uint seq = 5001;
        for (int i = 0; i < 17; i++)
        {
            t.Send(Ack | Psh, seq, 1001, payload: Bytes(100));
            seq += 100;
        }
        t.Advance(40);
        while (t.Host.Sent.Count > 0)
        {
            t.Next(out _);
        }
        t.Advance(5000); // longer than the initial RTO (1 s)
        t.Send(Ack | Psh, seq, 1001, payload: Bytes(100));
        t.Expect(Ack, seq: 1001, ack: seq + 100);
    }

    [Fact]
    public void Disabled_FirstDataWaitsForTheDelayedAck()
    {
        using var t = new TcpTestContext();
        t.EstablishPassive(options: new TcpEndpointOptions { QuickAck = false });
        t.Send(Ack | Psh, 5001, 1001, payload: Bytes(100));
        t.ExpectNothing();
        t.Advance(40);
        t.Expect(Ack, seq: 1001, ack: 5101);
    }
}
