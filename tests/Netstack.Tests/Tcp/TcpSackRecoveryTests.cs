using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

public class TcpSackRecoveryTests
{
    [Fact]
    public void SackRecovery_RetransmitsOnlyTheHoles()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(sack: true);
        byte[] data = new byte[1460 * 10];
        new Random(3).NextBytes(data);
        ep.Send(data, false, out _);
        List<uint> first = t.DrainDataSeqs();
        Assert.Equal(10, first.Count);
        // Segments 1 (1001), 4 (5381) and 7 (9761) are lost; the peer SACKs the rest as it arrives.
        (uint, uint) b1 = (2461, 5381), b2 = (6841, 9761), b3 = (11221, 15601);
        t.Send(TcpTestContext.SackAck(1001, b1));
        t.Send(TcpTestContext.SackAck(1001, (6841, 8301), b1));
        t.Send(TcpTestContext.SackAck(1001, b2, b1));
        t.Send(TcpTestContext.SackAck(1001, (11221, 12681), b2, b1));
        t.Send(TcpTestContext.SackAck(1001, (11221, 14141), b2, b1));
        t.Send(TcpTestContext.SackAck(1001, b3, b2, b1));
        List<uint> retransmitted = t.DrainDataSeqs();
        Assert.Contains(1001u, retransmitted);
        Assert.Equal(1, t.Tcp.Statistics.TCPSackRecovery);
        t.Send(TcpTestContext.SackAck(5381, b2, b3));
        retransmitted.AddRange(t.DrainDataSeqs());
        t.Send(TcpTestContext.SackAck(9761, b3));
        retransmitted.AddRange(t.DrainDataSeqs());
        Assert.Contains(5381u, retransmitted);
        Assert.Contains(9761u, retransmitted);
        foreach (uint seq in retransmitted)
        {
            Assert.False(seq is (>= 2461 and < 5381) or (>= 6841 and < 9761) or (>= 11221 and < 15601), $"SACKed data at {seq} was retransmitted");
        }
        t.Send(TcpTestContext.SackAck(15601));
        Assert.Empty(t.DrainDataSeqs());
        Assert.True(ep.GetInfo().SackBlocksReceived >= 9);
        t.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(t.DrainDataSeqs()); // nothing outstanding: no timeout
    }
}

public class TcpLossProbeTests
{
    [Fact]
    public void TailLoss_IsProbedBeforeTheRto()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(sack: true);
        byte[] data = new byte[1460 * 4];
        ep.Send(data.AsSpan(0, 1460), false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        t.Advance(50);
        t.Send(Ack, 5001, 2461);                     // an RTT sample of 50 ms
        ep.Send(data.AsSpan(0, 2920), false, out _);
        t.Expect(Ack, seq: 2461);
        t.Expect(Ack | Psh, seq: 3921);               // the tail segment is lost; no ACK comes
        TimeSpan rto = ep.GetInfo().Rto;
        TimeSpan waited = TimeSpan.Zero;
        while (t.Host.Sent.Count == 0 && waited < rto)
        {
            t.Advance(1);
            waited += TimeSpan.FromMilliseconds(1);
        }
        Assert.True(waited < rto, "no probe before the RTO");
        t.Expect(Ack | Psh, seq: 3921);               // the probe retransmits the last segment, with its write's PSH
        Assert.Equal(1, t.Tcp.Statistics.TCPLossProbes);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
        TcpSegment ack = TcpTestContext.Seg(Ack, 5001, 5381);
        t.Send(ack);                                  // the probe repaired the loss
        t.Advance(TimeSpan.FromSeconds(5));
        t.ExpectNothing();
    }

    /// <summary>
    /// RFC 8985 §7.2 (e): after a retransmission timeout the connection is in loss recovery, so no tail loss probe is
    /// armed until what was outstanding at the timeout is acknowledged: the next retransmission waits for the backed-off
    /// RTO (a probe 2·SRTT after the timeout's retransmission used to cut it short).
    /// </summary>
    [Fact]
    public void AfterATimeout_NoProbeCutsTheBackedOffRtoShort()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRttSample(t);
        byte[] data = new byte[1460];
        ep.Send(data, false, out _);
        t.Expect(Ack | Psh, seq: 2461);                // lost, and so is everything after it
        int sent = 0;
        TimeSpan since = TimeSpan.Zero;
        var gaps = new List<TimeSpan>();
        for (int ms = 0; ms < 10_000 && sent < 4; ms++)
        {
            t.Advance(1);
            since += TimeSpan.FromMilliseconds(1);
            while (t.Host.Sent.Count > 0)
            {
                t.Expect(Ack | Psh, seq: 2461);
                gaps.Add(since);
                since = TimeSpan.Zero;
                sent++;
            }
        }
        Assert.Equal(4, sent);                          // the probe, then timeouts
        Assert.Equal(1, t.Tcp.Statistics.TCPLossProbes);
        Assert.True(gaps[3] >= gaps[2] * 2 - TimeSpan.FromMilliseconds(2), $"the retransmissions came after {string.Join(", ", gaps)}: no back-off");
    }

    /// <summary>
    /// RFC 8985 §7.3 probes with the last segment sent. After a shutdown that is our FIN, so the probe is the FIN
    /// alone, before the RTO; it used to be no probe at all in FIN-WAIT-1, then the RTO resent the first data.
    /// </summary>
    [Fact]
    public void AfterShutdown_TheProbeIsTheFinAlone()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = EstablishWithRttSample(t);
        ep.Send(new byte[2920], false, out _);
        t.Expect(Ack, seq: 2461);
        t.Expect(Ack | Psh, seq: 3921);
        t.Advance(10);
        ep.Shutdown();
        t.Expect(Ack | Fin, seq: 5381);               // the FIN follows the data; nothing is acknowledged
        Assert.Equal(TcpConnectionState.FinWait1, ep.State);
        TimeSpan rto = ep.GetInfo().Rto;
        TimeSpan waited = TimeSpan.Zero;
        while (t.Host.Sent.Count == 0 && waited < rto)
        {
            t.Advance(1);
            waited += TimeSpan.FromMilliseconds(1);
        }
        Assert.True(waited < rto, "no probe before the RTO");
        TcpSegment probe = t.Expect(Ack | Fin, seq: 5381);
        Assert.Equal(0, probe.PayloadLength);
        Assert.Equal(1, t.Tcp.Statistics.TCPLossProbes);
        Assert.Equal(0, t.Tcp.Statistics.TCPTimeouts);
        t.Send(Ack, 5001, 5382);                     // everything, FIN included, arrived
        Assert.Equal(TcpConnectionState.FinWait2, ep.State);
        t.Advance(TimeSpan.FromSeconds(5));
        t.ExpectNothing();
    }

    /// <summary>A SACK connection whose first 1460 bytes were acknowledged after 50 ms: one RTT sample, SND.NXT 2461.</summary>
    private static TcpEndpoint EstablishWithRttSample(TcpTestContext t)
    {
        TcpEndpoint ep = t.EstablishPassive(sack: true);
        ep.Send(new byte[1460], false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        t.Advance(50);
        t.Send(Ack, 5001, 2461); // an RTT sample of 50 ms
        return ep;
    }
}

public class TcpSegmentSizeTests
{
    [Fact]
    public void DataSegmentsCarryingSackBlocks_StillFitTheMtu()
    {
        // Regression: with timestamps and SACK blocks in the header a full-MSS payload exceeded the
        // MTU; the IP layer dropped every such segment (DF) and bidirectional transfers stalled.
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive(sack: true, timestamps: true);
        TcpSegment ooo = TcpTestContext.Seg(Ack, 6001, 1001);
        ooo.HasTimestamp = true;
        ooo.TsVal = 200;
        t.Send(ooo, new byte[100]);                    // a hole: we now hold out-of-order data
        t.Next(out _);                                 // the duplicate ACK with its SACK block
        ep.Send(new byte[4000], false, out _);
        int segments = 0;
        while (t.Host.Sent.Count > 0)
        {
            TcpSegment s = t.Next(out byte[] payload);
            Assert.True(s.SackCount > 0);
            Assert.True(s.HeaderLength + payload.Length <= 1500 - 20, $"{s.HeaderLength} + {payload.Length} bytes exceed the MTU");
            segments++;
        }
        Assert.True(segments >= 3);
    }
}
