using System.Diagnostics.Metrics;
using System.Net;
using SocketError = System.Net.Sockets.SocketError;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Tcp;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Stack;

/// <summary>The stack's counters on its <see cref="Meter"/>: names, units, tags, and the same values as the snapshot.</summary>
public class MetricsTests
{
    private const string ConnectionCount = "netstack.tcp.connection.count";

    [Fact]
    public void Instruments_publish_the_snapshot_values_under_their_names_and_units()
    {
        using var net = new TwoStacks();
        DriveTraffic(net);
        using var recorder = new MeterRecorder(net.A.Meter);
        recorder.Collect();
        NetStackStatisticsSnapshot snapshot = net.A.GetStatistics();

        Assert.Equal(1, snapshot.Icmp.OutEchos);
        Assert.Equal(1, snapshot.Icmp6.OutEchos);
        Assert.Equal(1, snapshot.Tcp.ActiveOpens);
        foreach ((string name, string unit, string? networkType, Func<NetStackStatisticsSnapshot, long> read) in Expected)
        {
            Assert.Equal(unit, recorder.Units[name]);
            Assert.True(recorder.Values.TryGetValue((name, networkType), out long value), $"{name} ({networkType}) was not published");
            Assert.True(read(snapshot) == value, $"{name} ({networkType}): instrument {value}, snapshot {read(snapshot)}");
        }
        var expected = Expected.Select(e => (e.Name, e.NetworkType)).ToHashSet();
        Assert.DoesNotContain(recorder.Values.Keys, k => k.Name != ConnectionCount && !expected.Contains(k));
        Assert.All(recorder.Units.Keys, name => Assert.Matches("^netstack(\\.[a-z0-9_]+)+$", name));
    }

    [Fact]
    public void Connection_count_is_tagged_with_the_tcp_state()
    {
        using var p = new TcpPair();
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        using var a = new MeterRecorder(p.A.Meter);
        using var b = new MeterRecorder(p.B.Meter);
        a.Collect();
        b.Collect();
        Assert.Equal("{connection}", a.Units[ConnectionCount]);
        Assert.IsType<ObservableUpDownCounter<long>>(a.Instruments[ConnectionCount]);
        Assert.Equal(11, a.Values.Keys.Count(k => k.Name == ConnectionCount)); // every state, zeros included
        Assert.Equal(1, a.Values[(ConnectionCount, "established")]);
        Assert.Equal(0, a.Values[(ConnectionCount, "listen")]);
        Assert.Equal(1, b.Values[(ConnectionCount, "established")]);
        Assert.Equal(1, b.Values[(ConnectionCount, "listen")]);

        client.Close();
        p.Run(TimeSpan.FromSeconds(1));
        a.Collect();
        b.Collect();
        Assert.Equal(0, a.Values[(ConnectionCount, "established")]);
        Assert.Equal(1, a.Values[(ConnectionCount, "fin_wait_2")]);
        Assert.Equal(1, b.Values[(ConnectionCount, "close_wait")]);

        server.Close();
        p.Run(TimeSpan.FromSeconds(1));
        a.Collect();
        b.Collect();
        Assert.Equal(1, a.Values[(ConnectionCount, "time_wait")]);
        Assert.Equal(0, b.Values[(ConnectionCount, "last_ack")]);
        Assert.Equal(0, b.Values[(ConnectionCount, "close_wait")]);
        listener.Dispose();
    }

    [Fact]
    public void Meter_from_the_factory_is_left_to_the_factory()
    {
        using var factory = new TestMeterFactory();
        var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider(), MeterFactory = factory, MeterName = "Netstack.Tests.Factory" });
        Meter meter = Assert.Single(factory.Created);
        Assert.Same(meter, stack.Meter);
        Assert.Equal("Netstack.Tests.Factory", meter.Name);
        stack.Dispose();
        using var recorder = new MeterRecorder(meter);
        Assert.Contains("netstack.tcp.segments.received", recorder.Units.Keys); // still published: the factory disposes it
    }

    [Fact]
    public void Own_meter_is_disposed_with_the_stack()
    {
        var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        Meter meter = stack.Meter;
        using (var before = new MeterRecorder(meter))
        {
            Assert.Contains("netstack.ip.packets.received", before.Units.Keys);
        }
        stack.Dispose();
        using var after = new MeterRecorder(meter);
        Assert.Empty(after.Units);
    }

    /// <summary>A ping each way in both families, and a TCP connection from A to B.</summary>
    private static void DriveTraffic(TwoStacks net)
    {
        net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 1, 1, 56);
        net.A.Ipv6.Icmp.SendEchoRequest(TwoStacks.B6, 1, 1, 56);
        net.B.Ipv4.Icmp.SendEchoRequest(TwoStacks.A4, 2, 1, 56);
        net.Pump();
        TcpConnectionListener listener = net.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        TcpEndpoint client = TcpProtocol.For(net.A).Connect(TwoStacks.B4, 80, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        net.Pump();
        Assert.Equal(SocketError.Success, client.PollConnect(false));
        listener.Dispose();
        net.Pump();
    }

    /// <summary>What the stack must publish: name, unit, <c>network.type</c> tag (null: none) and the snapshot property it equals.</summary>
    private static readonly (string Name, string Unit, string? NetworkType, Func<NetStackStatisticsSnapshot, long> Read)[] Expected =
    [
        ("netstack.ip.packets.received", "{packet}", "ipv4", s => s.Ip.InReceives),
        ("netstack.ip.packets.received", "{packet}", "ipv6", s => s.Ip6.InReceives),
        ("netstack.ip.packets.header_errors", "{packet}", "ipv4", s => s.Ip.InHdrErrors),
        ("netstack.ip.packets.header_errors", "{packet}", "ipv6", s => s.Ip6.InHdrErrors),
        ("netstack.ip.packets.checksum_errors", "{packet}", "ipv4", s => s.Ip.InCsumErrors),
        ("netstack.ip.packets.too_big", "{packet}", "ipv6", s => s.Ip6.InTooBigErrors),
        ("netstack.ip.packets.address_errors", "{packet}", "ipv4", s => s.Ip.InAddrErrors),
        ("netstack.ip.packets.address_errors", "{packet}", "ipv6", s => s.Ip6.InAddrErrors),
        ("netstack.ip.packets.unknown_protocol", "{packet}", "ipv4", s => s.Ip.InUnknownProtos),
        ("netstack.ip.packets.unknown_protocol", "{packet}", "ipv6", s => s.Ip6.InUnknownProtos),
        ("netstack.ip.packets.truncated", "{packet}", "ipv4", s => s.Ip.InTruncatedPkts),
        ("netstack.ip.packets.truncated", "{packet}", "ipv6", s => s.Ip6.InTruncatedPkts),
        ("netstack.ip.packets.receive_discarded", "{packet}", "ipv4", s => s.Ip.InDiscards),
        ("netstack.ip.packets.receive_discarded", "{packet}", "ipv6", s => s.Ip6.InDiscards),
        ("netstack.ip.packets.delivered", "{packet}", "ipv4", s => s.Ip.InDelivers),
        ("netstack.ip.packets.delivered", "{packet}", "ipv6", s => s.Ip6.InDelivers),
        ("netstack.ip.packets.sent", "{packet}", "ipv4", s => s.Ip.OutRequests),
        ("netstack.ip.packets.sent", "{packet}", "ipv6", s => s.Ip6.OutRequests),
        ("netstack.ip.packets.send_discarded", "{packet}", "ipv4", s => s.Ip.OutDiscards),
        ("netstack.ip.packets.send_discarded", "{packet}", "ipv6", s => s.Ip6.OutDiscards),
        ("netstack.ip.packets.no_route", "{packet}", "ipv4", s => s.Ip.OutNoRoutes),
        ("netstack.ip.packets.no_route", "{packet}", "ipv6", s => s.Ip6.OutNoRoutes),
        ("netstack.ip.reassembly.timeouts", "{datagram}", "ipv4", s => s.Ip.ReasmTimeout),
        ("netstack.ip.reassembly.timeouts", "{datagram}", "ipv6", s => s.Ip6.ReasmTimeout),
        ("netstack.ip.reassembly.fragments", "{fragment}", "ipv4", s => s.Ip.ReasmReqds),
        ("netstack.ip.reassembly.fragments", "{fragment}", "ipv6", s => s.Ip6.ReasmReqds),
        ("netstack.ip.reassembly.completed", "{datagram}", "ipv4", s => s.Ip.ReasmOKs),
        ("netstack.ip.reassembly.completed", "{datagram}", "ipv6", s => s.Ip6.ReasmOKs),
        ("netstack.ip.reassembly.failed", "{datagram}", "ipv4", s => s.Ip.ReasmFails),
        ("netstack.ip.reassembly.failed", "{datagram}", "ipv6", s => s.Ip6.ReasmFails),
        ("netstack.ip.reassembly.overlaps", "{datagram}", "ipv4", s => s.Ip.ReasmOverlaps),
        ("netstack.ip.reassembly.overlaps", "{datagram}", "ipv6", s => s.Ip6.ReasmOverlaps),
        ("netstack.ip.fragmentation.completed", "{datagram}", "ipv4", s => s.Ip.FragOKs),
        ("netstack.ip.fragmentation.completed", "{datagram}", "ipv6", s => s.Ip6.FragOKs),
        ("netstack.ip.fragmentation.failed", "{datagram}", "ipv4", s => s.Ip.FragFails),
        ("netstack.ip.fragmentation.failed", "{datagram}", "ipv6", s => s.Ip6.FragFails),
        ("netstack.ip.fragmentation.fragments", "{fragment}", "ipv4", s => s.Ip.FragCreates),
        ("netstack.ip.fragmentation.fragments", "{fragment}", "ipv6", s => s.Ip6.FragCreates),
        ("netstack.ip.packets.multicast_received", "{packet}", "ipv4", s => s.Ip.InMcastPkts),
        ("netstack.ip.packets.multicast_received", "{packet}", "ipv6", s => s.Ip6.InMcastPkts),
        ("netstack.ip.packets.broadcast_received", "{packet}", "ipv4", s => s.Ip.InBcastPkts),
        ("netstack.ip.packets.ecn.not_ect", "{packet}", "ipv4", s => s.Ip.InNoECTPkts),
        ("netstack.ip.packets.ecn.not_ect", "{packet}", "ipv6", s => s.Ip6.InNoECTPkts),
        ("netstack.ip.packets.ecn.ect1", "{packet}", "ipv4", s => s.Ip.InECT1Pkts),
        ("netstack.ip.packets.ecn.ect1", "{packet}", "ipv6", s => s.Ip6.InECT1Pkts),
        ("netstack.ip.packets.ecn.ect0", "{packet}", "ipv4", s => s.Ip.InECT0Pkts),
        ("netstack.ip.packets.ecn.ect0", "{packet}", "ipv6", s => s.Ip6.InECT0Pkts),
        ("netstack.ip.packets.ecn.ce", "{packet}", "ipv4", s => s.Ip.InCEPkts),
        ("netstack.ip.packets.ecn.ce", "{packet}", "ipv6", s => s.Ip6.InCEPkts),
        ("netstack.icmp.messages.received", "{message}", "ipv4", s => s.Icmp.InMsgs),
        ("netstack.icmp.messages.received", "{message}", "ipv6", s => s.Icmp6.InMsgs),
        ("netstack.icmp.messages.receive_errors", "{message}", "ipv4", s => s.Icmp.InErrors),
        ("netstack.icmp.messages.receive_errors", "{message}", "ipv6", s => s.Icmp6.InErrors),
        ("netstack.icmp.messages.checksum_errors", "{message}", "ipv4", s => s.Icmp.InCsumErrors),
        ("netstack.icmp.messages.checksum_errors", "{message}", "ipv6", s => s.Icmp6.InCsumErrors),
        ("netstack.icmp.destination_unreachable.received", "{message}", "ipv4", s => s.Icmp.InDestUnreachs),
        ("netstack.icmp.destination_unreachable.received", "{message}", "ipv6", s => s.Icmp6.InDestUnreachs),
        ("netstack.icmp.time_exceeded.received", "{message}", "ipv4", s => s.Icmp.InTimeExcds),
        ("netstack.icmp.time_exceeded.received", "{message}", "ipv6", s => s.Icmp6.InTimeExcds),
        ("netstack.icmp.parameter_problem.received", "{message}", "ipv4", s => s.Icmp.InParmProbs),
        ("netstack.icmp.parameter_problem.received", "{message}", "ipv6", s => s.Icmp6.InParmProbs),
        ("netstack.icmp.packet_too_big.received", "{message}", "ipv4", s => s.Icmp.InPktTooBigs),
        ("netstack.icmp.packet_too_big.received", "{message}", "ipv6", s => s.Icmp6.InPktTooBigs),
        ("netstack.icmp.echo_requests.received", "{message}", "ipv4", s => s.Icmp.InEchos),
        ("netstack.icmp.echo_requests.received", "{message}", "ipv6", s => s.Icmp6.InEchos),
        ("netstack.icmp.echo_replies.received", "{message}", "ipv4", s => s.Icmp.InEchoReps),
        ("netstack.icmp.echo_replies.received", "{message}", "ipv6", s => s.Icmp6.InEchoReps),
        ("netstack.icmp.neighbor_solicitations.received", "{message}", "ipv4", s => s.Icmp.InNeighborSolicits),
        ("netstack.icmp.neighbor_solicitations.received", "{message}", "ipv6", s => s.Icmp6.InNeighborSolicits),
        ("netstack.icmp.neighbor_advertisements.received", "{message}", "ipv4", s => s.Icmp.InNeighborAdvertisements),
        ("netstack.icmp.neighbor_advertisements.received", "{message}", "ipv6", s => s.Icmp6.InNeighborAdvertisements),
        ("netstack.icmp.messages.sent", "{message}", "ipv4", s => s.Icmp.OutMsgs),
        ("netstack.icmp.messages.sent", "{message}", "ipv6", s => s.Icmp6.OutMsgs),
        ("netstack.icmp.messages.send_errors", "{message}", "ipv4", s => s.Icmp.OutErrors),
        ("netstack.icmp.messages.send_errors", "{message}", "ipv6", s => s.Icmp6.OutErrors),
        ("netstack.icmp.destination_unreachable.sent", "{message}", "ipv4", s => s.Icmp.OutDestUnreachs),
        ("netstack.icmp.destination_unreachable.sent", "{message}", "ipv6", s => s.Icmp6.OutDestUnreachs),
        ("netstack.icmp.time_exceeded.sent", "{message}", "ipv4", s => s.Icmp.OutTimeExcds),
        ("netstack.icmp.time_exceeded.sent", "{message}", "ipv6", s => s.Icmp6.OutTimeExcds),
        ("netstack.icmp.echo_requests.sent", "{message}", "ipv4", s => s.Icmp.OutEchos),
        ("netstack.icmp.echo_requests.sent", "{message}", "ipv6", s => s.Icmp6.OutEchos),
        ("netstack.icmp.echo_replies.sent", "{message}", "ipv4", s => s.Icmp.OutEchoReps),
        ("netstack.icmp.echo_replies.sent", "{message}", "ipv6", s => s.Icmp6.OutEchoReps),
        ("netstack.icmp.neighbor_advertisements.sent", "{message}", "ipv4", s => s.Icmp.OutNeighborAdvertisements),
        ("netstack.icmp.neighbor_advertisements.sent", "{message}", "ipv6", s => s.Icmp6.OutNeighborAdvertisements),
        ("netstack.icmp.errors.rate_limited", "{message}", "ipv4", s => s.Icmp.OutRateLimited),
        ("netstack.icmp.errors.rate_limited", "{message}", "ipv6", s => s.Icmp6.OutRateLimited),
        ("netstack.udp.datagrams.received", "{datagram}", null, s => s.Udp.InDatagrams),
        ("netstack.udp.datagrams.no_port", "{datagram}", null, s => s.Udp.NoPorts),
        ("netstack.udp.datagrams.receive_errors", "{datagram}", null, s => s.Udp.InErrors),
        ("netstack.udp.datagrams.checksum_errors", "{datagram}", null, s => s.Udp.InCsumErrors),
        ("netstack.udp.datagrams.receive_buffer_errors", "{datagram}", null, s => s.Udp.RcvbufErrors),
        ("netstack.udp.datagrams.send_buffer_errors", "{datagram}", null, s => s.Udp.SndbufErrors),
        ("netstack.udp.datagrams.sent", "{datagram}", null, s => s.Udp.OutDatagrams),
        ("netstack.udp.datagrams.memory_errors", "{datagram}", null, s => s.Udp.MemErrors),
        ("netstack.udp.receive_memory", "By", null, s => s.Udp.ReceiveMemory),
        ("netstack.tcp.active_opens", "{connection}", null, s => s.Tcp.ActiveOpens),
        ("netstack.tcp.passive_opens", "{connection}", null, s => s.Tcp.PassiveOpens),
        ("netstack.tcp.attempt_fails", "{connection}", null, s => s.Tcp.AttemptFails),
        ("netstack.tcp.established_resets", "{connection}", null, s => s.Tcp.EstabResets),
        ("netstack.tcp.current_established", "{connection}", null, s => s.Tcp.CurrEstab),
        ("netstack.tcp.segments.received", "{segment}", null, s => s.Tcp.InSegs),
        ("netstack.tcp.segments.sent", "{segment}", null, s => s.Tcp.OutSegs),
        ("netstack.tcp.segments.retransmitted", "{segment}", null, s => s.Tcp.RetransSegs),
        ("netstack.tcp.segments.receive_errors", "{segment}", null, s => s.Tcp.InErrs),
        ("netstack.tcp.resets.sent", "{segment}", null, s => s.Tcp.OutRsts),
        ("netstack.tcp.segments.checksum_errors", "{segment}", null, s => s.Tcp.InCsumErrors),
        ("netstack.tcp.syncookies.sent", "{segment}", null, s => s.Tcp.SyncookiesSent),
        ("netstack.tcp.syncookies.received", "{segment}", null, s => s.Tcp.SyncookiesRecv),
        ("netstack.tcp.syncookies.failed", "{segment}", null, s => s.Tcp.SyncookiesFailed),
        ("netstack.tcp.timeouts", "{timeout}", null, s => s.Tcp.TCPTimeouts),
        ("netstack.tcp.fast_retransmits", "{recovery}", null, s => s.Tcp.TCPFastRetrans),
        ("netstack.tcp.sack_recoveries", "{recovery}", null, s => s.Tcp.TCPSackRecovery),
        ("netstack.tcp.loss_probes", "{probe}", null, s => s.Tcp.TCPLossProbes),
        ("netstack.tcp.rack.lost", "{segment}", null, s => s.Tcp.TCPRackLoss),
        ("netstack.tcp.lost_retransmits", "{segment}", null, s => s.Tcp.TCPLostRetransmit),
        ("netstack.tcp.undo.dsack", "{recovery}", null, s => s.Tcp.TCPDSACKUndo),
        ("netstack.tcp.undo.timestamp", "{recovery}", null, s => s.Tcp.TCPTimestampUndo),
        ("netstack.tcp.challenge_acks", "{segment}", null, s => s.Tcp.TCPChallengeACK),
        ("netstack.tcp.aborts.on_data", "{connection}", null, s => s.Tcp.TCPAbortOnData),
        ("netstack.tcp.aborts.on_timeout", "{connection}", null, s => s.Tcp.TCPAbortOnTimeout),
        ("netstack.tcp.aborts.on_close", "{connection}", null, s => s.Tcp.TCPAbortOnClose),
        ("netstack.tcp.paws_rejected", "{segment}", null, s => s.Tcp.PAWSEstab),
        ("netstack.tcp.dsack.sent", "{segment}", null, s => s.Tcp.TCPDSACKOldSent),
        ("netstack.tcp.out_of_order.queued", "{segment}", null, s => s.Tcp.TCPOFOQueue),
        ("netstack.tcp.out_of_order.dropped", "{segment}", null, s => s.Tcp.TCPOFODrop),
        ("netstack.tcp.listen.overflows", "{connection}", null, s => s.Tcp.ListenOverflows),
        ("netstack.tcp.listen.drops", "{connection}", null, s => s.Tcp.ListenDrops),
        ("netstack.tcp.keepalives.sent", "{probe}", null, s => s.Tcp.TCPKeepAlive),
        ("netstack.tcp.time_wait_reuses", "{connection}", null, s => s.Tcp.TCPTimeWaitReuse),
        ("netstack.tcp.time_wait_recycled", "{connection}", null, s => s.Tcp.TWRecycled),
        ("netstack.tcp.hystart.train_exits", "{event}", null, s => s.Tcp.TCPHystartTrainDetect),
        ("netstack.tcp.hystart.train_exit_cwnd", "{segment}", null, s => s.Tcp.TCPHystartTrainCwnd),
        ("netstack.tcp.hystart.delay_exits", "{event}", null, s => s.Tcp.TCPHystartDelayDetect),
        ("netstack.tcp.hystart.delay_exit_cwnd", "{segment}", null, s => s.Tcp.TCPHystartDelayCwnd),
        ("netstack.tcp.ecn.delivered_ce", "{segment}", null, s => s.Tcp.TCPDeliveredCE),
        ("netstack.tcp.ecn.reductions", "{reduction}", null, s => s.Tcp.TCPECNReductions),
        ("netstack.tcp.receive_memory", "By", null, s => s.Tcp.ReceiveMemory),
        ("netstack.tcp.prune.called", "{event}", null, s => s.Tcp.PruneCalled),
        ("netstack.tcp.prune.out_of_order", "{event}", null, s => s.Tcp.OfoPruned),
        ("netstack.tcp.prune.receive", "{segment}", null, s => s.Tcp.RcvPruned),
        ("netstack.tcp.receive.collapsed", "{segment}", null, s => s.Tcp.TCPRcvCollapsed),
        ("netstack.tcp.receive.coalesced", "{segment}", null, s => s.Tcp.TCPRcvCoalesce),
        ("netstack.tcp.out_of_order.merged", "{segment}", null, s => s.Tcp.TCPOFOMerge),
        ("netstack.offload.gso.packets", "{packet}", null, s => s.Offload.GsoPackets),
        ("netstack.offload.gso.segments", "{segment}", null, s => s.Offload.GsoSegments),
        ("netstack.offload.gso.dropped", "{packet}", null, s => s.Offload.GsoDrops),
        ("netstack.offload.gro.packets", "{packet}", null, s => s.Offload.GroPackets),
        ("netstack.offload.gro.segments", "{segment}", null, s => s.Offload.GroSegments),
        ("netstack.offload.ack.replaced", "{segment}", null, s => s.Offload.AcksReplaced),
    ];
}
