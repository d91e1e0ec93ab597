using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Stack;

/// <summary>Every snapshot property reads its own counter: each counter is set to a distinct value and read back by name.</summary>
public class StatisticsSnapshotTests
{
    [Fact]
    public void Ipv4_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        stack.Statistics.Ip.InReceives = 101;
        stack.Statistics.Ip.InHdrErrors = 102;
        stack.Statistics.Ip.InCsumErrors = 103;
        stack.Statistics.Ip.InAddrErrors = 104;
        stack.Statistics.Ip.InUnknownProtos = 105;
        stack.Statistics.Ip.InTruncatedPkts = 106;
        stack.Statistics.Ip.InDiscards = 107;
        stack.Statistics.Ip.InDelivers = 108;
        stack.Statistics.Ip.OutRequests = 109;
        stack.Statistics.Ip.OutDiscards = 110;
        stack.Statistics.Ip.OutNoRoutes = 111;
        stack.Statistics.Ip.ReasmTimeout = 112;
        stack.Statistics.Ip.ReasmReqds = 113;
        stack.Statistics.Ip.ReasmOKs = 114;
        stack.Statistics.Ip.ReasmFails = 115;
        stack.Statistics.Ip.ReasmOverlaps = 116;
        stack.Statistics.Ip.FragOKs = 117;
        stack.Statistics.Ip.FragFails = 118;
        stack.Statistics.Ip.FragCreates = 119;
        stack.Statistics.Ip.InMcastPkts = 120;
        stack.Statistics.Ip.InBcastPkts = 121;
        var s = stack.GetStatistics().Ip;
        Assert.Equal(101, s.InReceives);
        Assert.Equal(102, s.InHdrErrors);
        Assert.Equal(103, s.InCsumErrors);
        Assert.Equal(104, s.InAddrErrors);
        Assert.Equal(105, s.InUnknownProtos);
        Assert.Equal(106, s.InTruncatedPkts);
        Assert.Equal(107, s.InDiscards);
        Assert.Equal(108, s.InDelivers);
        Assert.Equal(109, s.OutRequests);
        Assert.Equal(110, s.OutDiscards);
        Assert.Equal(111, s.OutNoRoutes);
        Assert.Equal(112, s.ReasmTimeout);
        Assert.Equal(113, s.ReasmReqds);
        Assert.Equal(114, s.ReasmOKs);
        Assert.Equal(115, s.ReasmFails);
        Assert.Equal(116, s.ReasmOverlaps);
        Assert.Equal(117, s.FragOKs);
        Assert.Equal(118, s.FragFails);
        Assert.Equal(119, s.FragCreates);
        Assert.Equal(120, s.InMcastPkts);
        Assert.Equal(121, s.InBcastPkts);
    }

    [Fact]
    public void Ipv6_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        stack.Statistics.Ip6.InReceives = 201;
        stack.Statistics.Ip6.InHdrErrors = 202;
        stack.Statistics.Ip6.InTooBigErrors = 203;
        stack.Statistics.Ip6.InAddrErrors = 204;
        stack.Statistics.Ip6.InUnknownProtos = 205;
        stack.Statistics.Ip6.InTruncatedPkts = 206;
        stack.Statistics.Ip6.InDiscards = 207;
        stack.Statistics.Ip6.InDelivers = 208;
        stack.Statistics.Ip6.OutRequests = 209;
        stack.Statistics.Ip6.OutDiscards = 210;
        stack.Statistics.Ip6.OutNoRoutes = 211;
        stack.Statistics.Ip6.ReasmTimeout = 212;
        stack.Statistics.Ip6.ReasmReqds = 213;
        stack.Statistics.Ip6.ReasmOKs = 214;
        stack.Statistics.Ip6.ReasmFails = 215;
        stack.Statistics.Ip6.ReasmOverlaps = 216;
        stack.Statistics.Ip6.FragOKs = 217;
        stack.Statistics.Ip6.FragFails = 218;
        stack.Statistics.Ip6.FragCreates = 219;
        stack.Statistics.Ip6.InMcastPkts = 220;
        var s = stack.GetStatistics().Ip6;
        Assert.Equal(201, s.InReceives);
        Assert.Equal(202, s.InHdrErrors);
        Assert.Equal(203, s.InTooBigErrors);
        Assert.Equal(204, s.InAddrErrors);
        Assert.Equal(205, s.InUnknownProtos);
        Assert.Equal(206, s.InTruncatedPkts);
        Assert.Equal(207, s.InDiscards);
        Assert.Equal(208, s.InDelivers);
        Assert.Equal(209, s.OutRequests);
        Assert.Equal(210, s.OutDiscards);
        Assert.Equal(211, s.OutNoRoutes);
        Assert.Equal(212, s.ReasmTimeout);
        Assert.Equal(213, s.ReasmReqds);
        Assert.Equal(214, s.ReasmOKs);
        Assert.Equal(215, s.ReasmFails);
        Assert.Equal(216, s.ReasmOverlaps);
        Assert.Equal(217, s.FragOKs);
        Assert.Equal(218, s.FragFails);
        Assert.Equal(219, s.FragCreates);
        Assert.Equal(220, s.InMcastPkts);
    }

    [Fact]
    public void Icmp_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        stack.Statistics.Icmp.InMsgs = 301;
        stack.Statistics.Icmp.InErrors = 302;
        stack.Statistics.Icmp.InCsumErrors = 303;
        stack.Statistics.Icmp.InDestUnreachs = 304;
        stack.Statistics.Icmp.InTimeExcds = 305;
        stack.Statistics.Icmp.InParmProbs = 306;
        stack.Statistics.Icmp.InPktTooBigs = 307;
        stack.Statistics.Icmp.InEchos = 308;
        stack.Statistics.Icmp.InEchoReps = 309;
        stack.Statistics.Icmp.InNeighborSolicits = 310;
        stack.Statistics.Icmp.InNeighborAdvertisements = 311;
        stack.Statistics.Icmp.OutMsgs = 312;
        stack.Statistics.Icmp.OutErrors = 313;
        stack.Statistics.Icmp.OutDestUnreachs = 314;
        stack.Statistics.Icmp.OutTimeExcds = 315;
        stack.Statistics.Icmp.OutEchos = 316;
        stack.Statistics.Icmp.OutEchoReps = 317;
        stack.Statistics.Icmp.OutNeighborAdvertisements = 318;
        stack.Statistics.Icmp.OutRateLimited = 319;
        var s = stack.GetStatistics().Icmp;
        Assert.Equal(301, s.InMsgs);
        Assert.Equal(302, s.InErrors);
        Assert.Equal(303, s.InCsumErrors);
        Assert.Equal(304, s.InDestUnreachs);
        Assert.Equal(305, s.InTimeExcds);
        Assert.Equal(306, s.InParmProbs);
        Assert.Equal(307, s.InPktTooBigs);
        Assert.Equal(308, s.InEchos);
        Assert.Equal(309, s.InEchoReps);
        Assert.Equal(310, s.InNeighborSolicits);
        Assert.Equal(311, s.InNeighborAdvertisements);
        Assert.Equal(312, s.OutMsgs);
        Assert.Equal(313, s.OutErrors);
        Assert.Equal(314, s.OutDestUnreachs);
        Assert.Equal(315, s.OutTimeExcds);
        Assert.Equal(316, s.OutEchos);
        Assert.Equal(317, s.OutEchoReps);
        Assert.Equal(318, s.OutNeighborAdvertisements);
        Assert.Equal(319, s.OutRateLimited);
    }

    [Fact]
    public void Icmp6_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        stack.Statistics.Icmp6.InMsgs = 401;
        stack.Statistics.Icmp6.InErrors = 402;
        stack.Statistics.Icmp6.InCsumErrors = 403;
        stack.Statistics.Icmp6.InDestUnreachs = 404;
        stack.Statistics.Icmp6.InTimeExcds = 405;
        stack.Statistics.Icmp6.InParmProbs = 406;
        stack.Statistics.Icmp6.InPktTooBigs = 407;
        stack.Statistics.Icmp6.InEchos = 408;
        stack.Statistics.Icmp6.InEchoReps = 409;
        stack.Statistics.Icmp6.InNeighborSolicits = 410;
        stack.Statistics.Icmp6.InNeighborAdvertisements = 411;
        stack.Statistics.Icmp6.OutMsgs = 412;
        stack.Statistics.Icmp6.OutErrors = 413;
        stack.Statistics.Icmp6.OutDestUnreachs = 414;
        stack.Statistics.Icmp6.OutTimeExcds = 415;
        stack.Statistics.Icmp6.OutEchos = 416;
        stack.Statistics.Icmp6.OutEchoReps = 417;
        stack.Statistics.Icmp6.OutNeighborAdvertisements = 418;
        stack.Statistics.Icmp6.OutRateLimited = 419;
        var s = stack.GetStatistics().Icmp6;
        Assert.Equal(401, s.InMsgs);
        Assert.Equal(402, s.InErrors);
        Assert.Equal(403, s.InCsumErrors);
        Assert.Equal(404, s.InDestUnreachs);
        Assert.Equal(405, s.InTimeExcds);
        Assert.Equal(406, s.InParmProbs);
        Assert.Equal(407, s.InPktTooBigs);
        Assert.Equal(408, s.InEchos);
        Assert.Equal(409, s.InEchoReps);
        Assert.Equal(410, s.InNeighborSolicits);
        Assert.Equal(411, s.InNeighborAdvertisements);
        Assert.Equal(412, s.OutMsgs);
        Assert.Equal(413, s.OutErrors);
        Assert.Equal(414, s.OutDestUnreachs);
        Assert.Equal(415, s.OutTimeExcds);
        Assert.Equal(416, s.OutEchos);
        Assert.Equal(417, s.OutEchoReps);
        Assert.Equal(418, s.OutNeighborAdvertisements);
        Assert.Equal(419, s.OutRateLimited);
    }

    [Fact]
    public void Udp_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        stack.Statistics.Udp.InDatagrams = 501;
        stack.Statistics.Udp.NoPorts = 502;
        stack.Statistics.Udp.InErrors = 503;
        stack.Statistics.Udp.InCsumErrors = 504;
        stack.Statistics.Udp.RcvbufErrors = 505;
        stack.Statistics.Udp.SndbufErrors = 506;
        stack.Statistics.Udp.OutDatagrams = 507;
        var s = stack.GetStatistics().Udp;
        Assert.Equal(501, s.InDatagrams);
        Assert.Equal(502, s.NoPorts);
        Assert.Equal(503, s.InErrors);
        Assert.Equal(504, s.InCsumErrors);
        Assert.Equal(505, s.RcvbufErrors);
        Assert.Equal(506, s.SndbufErrors);
        Assert.Equal(507, s.OutDatagrams);
    }

    [Fact]
    public void Tcp_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        TcpStatistics tcp = TcpProtocol.For(stack).Statistics;
        tcp.ActiveOpens = 601;
        tcp.PassiveOpens = 602;
        tcp.AttemptFails = 603;
        tcp.EstabResets = 604;
        tcp.CurrEstab = 605;
        tcp.InSegs = 606;
        tcp.OutSegs = 607;
        tcp.RetransSegs = 608;
        tcp.InErrs = 609;
        tcp.OutRsts = 610;
        tcp.InCsumErrors = 611;
        tcp.SyncookiesSent = 612;
        tcp.SyncookiesRecv = 613;
        tcp.SyncookiesFailed = 614;
        tcp.TCPTimeouts = 615;
        tcp.TCPFastRetrans = 616;
        tcp.TCPSackRecovery = 617;
        tcp.TCPLossProbes = 618;
        tcp.TCPRackLoss = 619;
        tcp.TCPLostRetransmit = 620;
        tcp.TCPDSACKUndo = 621;
        tcp.TCPTimestampUndo = 622;
        tcp.TCPChallengeACK = 623;
        tcp.TCPAbortOnData = 624;
        tcp.TCPAbortOnTimeout = 625;
        tcp.TCPAbortOnClose = 626;
        tcp.PAWSEstab = 627;
        tcp.TCPDSACKOldSent = 628;
        tcp.TCPOFOQueue = 629;
        tcp.TCPOFODrop = 630;
        tcp.ListenOverflows = 631;
        tcp.ListenDrops = 632;
        tcp.TCPKeepAlive = 633;
        tcp.TCPTimeWaitReuse = 634;
        var s = stack.GetStatistics().Tcp;
        Assert.Equal(601, s.ActiveOpens);
        Assert.Equal(602, s.PassiveOpens);
        Assert.Equal(603, s.AttemptFails);
        Assert.Equal(604, s.EstabResets);
        Assert.Equal(605, s.CurrEstab);
        Assert.Equal(606, s.InSegs);
        Assert.Equal(607, s.OutSegs);
        Assert.Equal(608, s.RetransSegs);
        Assert.Equal(609, s.InErrs);
        Assert.Equal(610, s.OutRsts);
        Assert.Equal(611, s.InCsumErrors);
        Assert.Equal(612, s.SyncookiesSent);
        Assert.Equal(613, s.SyncookiesRecv);
        Assert.Equal(614, s.SyncookiesFailed);
        Assert.Equal(615, s.TCPTimeouts);
        Assert.Equal(616, s.TCPFastRetrans);
        Assert.Equal(617, s.TCPSackRecovery);
        Assert.Equal(618, s.TCPLossProbes);
        Assert.Equal(619, s.TCPRackLoss);
        Assert.Equal(620, s.TCPLostRetransmit);
        Assert.Equal(621, s.TCPDSACKUndo);
        Assert.Equal(622, s.TCPTimestampUndo);
        Assert.Equal(623, s.TCPChallengeACK);
        Assert.Equal(624, s.TCPAbortOnData);
        Assert.Equal(625, s.TCPAbortOnTimeout);
        Assert.Equal(626, s.TCPAbortOnClose);
        Assert.Equal(627, s.PAWSEstab);
        Assert.Equal(628, s.TCPDSACKOldSent);
        Assert.Equal(629, s.TCPOFOQueue);
        Assert.Equal(630, s.TCPOFODrop);
        Assert.Equal(631, s.ListenOverflows);
        Assert.Equal(632, s.ListenDrops);
        Assert.Equal(633, s.TCPKeepAlive);
        Assert.Equal(634, s.TCPTimeWaitReuse);
    }

    [Fact]
    public void Offload_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        stack.Statistics.Offload.GsoPackets = 701;
        stack.Statistics.Offload.GsoSegments = 702;
        stack.Statistics.Offload.GsoDrops = 703;
        stack.Statistics.Offload.GroPackets = 704;
        stack.Statistics.Offload.GroSegments = 705;
        var s = stack.GetStatistics().Offload;
        Assert.Equal(701, s.GsoPackets);
        Assert.Equal(702, s.GsoSegments);
        Assert.Equal(703, s.GsoDrops);
        Assert.Equal(704, s.GroPackets);
        Assert.Equal(705, s.GroSegments);
    }

    [Fact]
    public void Snapshot_does_not_move_with_the_counters()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        NetStackStatisticsSnapshot before = stack.GetStatistics();
        Interlocked.Increment(ref stack.Statistics.Udp.OutDatagrams);
        Interlocked.Increment(ref TcpProtocol.For(stack).Statistics.InSegs);
        Assert.Equal(0, before.Udp.OutDatagrams);
        Assert.Equal(0, before.Tcp.InSegs);
        NetStackStatisticsSnapshot after = stack.GetStatistics();
        Assert.Equal(1, after.Udp.OutDatagrams);
        Assert.Equal(1, after.Tcp.InSegs);
        Assert.NotEqual(before.Udp, after.Udp);
        Assert.Equal(before.Ip, after.Ip); // value equality: nothing moved
    }

    [Fact]
    public void Stack_without_its_own_tcp_reports_zero_tcp()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider(), EnableTcp = false });
        Assert.Equal(default, stack.GetStatistics().Tcp);
    }

    [Fact]
    public void Tun_link_snapshot_reads_every_counter()
    {
        var s = new TunLinkStatisticsSnapshot(new TunLinkStatistics
        {
            RxPackets = 1,
            RxBytes = 2,
            RxErrors = 3,
            TxPackets = 4,
            TxBytes = 5,
            TxErrors = 6,
            TxDropped = 7,
            SystemCalls = 8,
        });
        Assert.Equal(1, s.RxPackets);
        Assert.Equal(2, s.RxBytes);
        Assert.Equal(3, s.RxErrors);
        Assert.Equal(4, s.TxPackets);
        Assert.Equal(5, s.TxBytes);
        Assert.Equal(6, s.TxErrors);
        Assert.Equal(7, s.TxDropped);
        Assert.Equal(8, s.SystemCalls);
    }

    [Fact]
    public void Host_forwarder_snapshot_reads_every_counter()
    {
        var s = new HostForwarderStatisticsSnapshot(new HostForwarderStatistics
        {
            TcpConnections = 1,
            TcpRefused = 2,
            TcpUnreachable = 3,
            TcpOverLimit = 4,
            TcpPeekConnections = 5,
            TcpOpen = 6,
            UdpFlows = 7,
            UdpIdleClosed = 8,
            UdpSendDropped = 9,
            EchoRequests = 10,
            EchoReplies = 11,
            BytesOut = 12,
            BytesIn = 13,
        });
        Assert.Equal(1, s.TcpConnections);
        Assert.Equal(2, s.TcpRefused);
        Assert.Equal(3, s.TcpUnreachable);
        Assert.Equal(4, s.TcpOverLimit);
        Assert.Equal(5, s.TcpPeekConnections);
        Assert.Equal(6, s.TcpOpen);
        Assert.Equal(7, s.UdpFlows);
        Assert.Equal(8, s.UdpIdleClosed);
        Assert.Equal(9, s.UdpSendDropped);
        Assert.Equal(10, s.EchoRequests);
        Assert.Equal(11, s.EchoReplies);
        Assert.Equal(12, s.BytesOut);
        Assert.Equal(13, s.BytesIn);
    }
}
