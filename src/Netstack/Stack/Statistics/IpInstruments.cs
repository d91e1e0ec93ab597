using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>The IPv4 and IPv6 counters as one set of <c>netstack.ip.*</c> instruments, told apart by the <c>network.type</c> tag (OpenTelemetry).</summary>
internal static class IpInstruments
{
    public static void Register(Meter meter, Ipv4Statistics v4, Ipv6Statistics v6)
    {
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.received", "{packet}", "Datagrams received from links, including those in error.", () => Interlocked.Read(ref v4.InReceives), () => Interlocked.Read(ref v6.InReceives));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.header_errors", "{packet}", "Datagrams discarded for a bad version, header or total/payload length, TTL or hop limit, header checksum or extension header.", () => Interlocked.Read(ref v4.InHdrErrors), () => Interlocked.Read(ref v6.InHdrErrors));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.checksum_errors", "{packet}", "Datagrams discarded for a bad header checksum (also counted in InHdrErrors). IPv4 only.", () => Interlocked.Read(ref v4.InCsumErrors), null);
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.too_big", "{packet}", "Datagrams not forwarded because larger than the MTU. IPv6 only.", null, () => Interlocked.Read(ref v6.InTooBigErrors));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.address_errors", "{packet}", "Datagrams discarded because the destination is not an address (or joined group) of this stack.", () => Interlocked.Read(ref v4.InAddrErrors), () => Interlocked.Read(ref v6.InAddrErrors));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.unknown_protocol", "{packet}", "Datagrams delivered locally for which no transport handler for the protocol (next header) exists.", () => Interlocked.Read(ref v4.InUnknownProtos), () => Interlocked.Read(ref v6.InUnknownProtos));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.truncated", "{packet}", "Datagrams shorter than their IP total (payload) length.", () => Interlocked.Read(ref v4.InTruncatedPkts), () => Interlocked.Read(ref v6.InTruncatedPkts));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.receive_discarded", "{packet}", "Inbound datagrams discarded for lack of resources (no buffer).", () => Interlocked.Read(ref v4.InDiscards), () => Interlocked.Read(ref v6.InDiscards));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.delivered", "{packet}", "Datagrams delivered to a transport handler or to ICMP.", () => Interlocked.Read(ref v4.InDelivers), () => Interlocked.Read(ref v6.InDelivers));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.sent", "{packet}", "Datagrams the transports and ICMP handed to IP for sending.", () => Interlocked.Read(ref v4.OutRequests), () => Interlocked.Read(ref v6.OutRequests));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.send_discarded", "{packet}", "Outbound datagrams discarded for lack of resources.", () => Interlocked.Read(ref v4.OutDiscards), () => Interlocked.Read(ref v6.OutDiscards));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.no_route", "{packet}", "Outbound datagrams discarded because no route matched.", () => Interlocked.Read(ref v4.OutNoRoutes), () => Interlocked.Read(ref v6.OutNoRoutes));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.reassembly.timeouts", "{datagram}", "Reassembly queues that timed out before every fragment arrived.", () => Interlocked.Read(ref v4.ReasmTimeout), () => Interlocked.Read(ref v6.ReasmTimeout));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.reassembly.fragments", "{fragment}", "Fragments received that needed reassembly.", () => Interlocked.Read(ref v4.ReasmReqds), () => Interlocked.Read(ref v6.ReasmReqds));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.reassembly.completed", "{datagram}", "Datagrams successfully reassembled.", () => Interlocked.Read(ref v4.ReasmOKs), () => Interlocked.Read(ref v6.ReasmOKs));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.reassembly.failed", "{datagram}", "Reassembly failures (timeout, overlap, oversize, memory limit), per datagram.", () => Interlocked.Read(ref v4.ReasmFails), () => Interlocked.Read(ref v6.ReasmFails));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.reassembly.overlaps", "{datagram}", "Datagrams dropped because their fragments overlapped (RFC 5722).", () => Interlocked.Read(ref v4.ReasmOverlaps), () => Interlocked.Read(ref v6.ReasmOverlaps));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.fragmentation.completed", "{datagram}", "Datagrams successfully fragmented on output.", () => Interlocked.Read(ref v4.FragOKs), () => Interlocked.Read(ref v6.FragOKs));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.fragmentation.failed", "{datagram}", "Datagrams that needed fragmentation but could not be fragmented (IPv4 DF set).", () => Interlocked.Read(ref v4.FragFails), () => Interlocked.Read(ref v6.FragFails));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.fragmentation.fragments", "{fragment}", "Fragments created on output.", () => Interlocked.Read(ref v4.FragCreates), () => Interlocked.Read(ref v6.FragCreates));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.multicast_received", "{packet}", "Multicast datagrams received.", () => Interlocked.Read(ref v4.InMcastPkts), () => Interlocked.Read(ref v6.InMcastPkts));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.broadcast_received", "{packet}", "Broadcast datagrams received. IPv4 only.", () => Interlocked.Read(ref v4.InBcastPkts), null);
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.ecn.not_ect", "{packet}", "Packets received without ECN capability (Not-ECT, RFC 3168 §5).", () => Interlocked.Read(ref v4.InNoECTPkts), () => Interlocked.Read(ref v6.InNoECTPkts));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.ecn.ect1", "{packet}", "Packets received marked ECT(1).", () => Interlocked.Read(ref v4.InECT1Pkts), () => Interlocked.Read(ref v6.InECT1Pkts));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.ecn.ect0", "{packet}", "Packets received marked ECT(0).", () => Interlocked.Read(ref v4.InECT0Pkts), () => Interlocked.Read(ref v6.InECT0Pkts));
        StatisticsInstruments.PerFamily(meter, "netstack.ip.packets.ecn.ce", "{packet}", "Packets received marked CE, congestion experienced (RFC 3168 §5).", () => Interlocked.Read(ref v4.InCEPkts), () => Interlocked.Read(ref v6.InCEPkts));
    }
}
