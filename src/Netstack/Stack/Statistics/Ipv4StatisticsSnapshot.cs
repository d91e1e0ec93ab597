namespace Netstack.Stack;

/// <summary>
/// IPv4 counters of one stack at one moment, named as Linux <c>netstat -s</c> (<c>/proc/net/snmp</c> Ip: and IpExt:);
/// see <see cref="NetStack.GetStatistics"/>.
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct Ipv4StatisticsSnapshot
{
    internal Ipv4StatisticsSnapshot(Ipv4Statistics counters)
    {
        InReceives = Interlocked.Read(ref counters.InReceives);
        InHdrErrors = Interlocked.Read(ref counters.InHdrErrors);
        InCsumErrors = Interlocked.Read(ref counters.InCsumErrors);
        InAddrErrors = Interlocked.Read(ref counters.InAddrErrors);
        InUnknownProtos = Interlocked.Read(ref counters.InUnknownProtos);
        InTruncatedPkts = Interlocked.Read(ref counters.InTruncatedPkts);
        InDiscards = Interlocked.Read(ref counters.InDiscards);
        InDelivers = Interlocked.Read(ref counters.InDelivers);
        OutRequests = Interlocked.Read(ref counters.OutRequests);
        OutDiscards = Interlocked.Read(ref counters.OutDiscards);
        OutNoRoutes = Interlocked.Read(ref counters.OutNoRoutes);
        ReasmTimeout = Interlocked.Read(ref counters.ReasmTimeout);
        ReasmReqds = Interlocked.Read(ref counters.ReasmReqds);
        ReasmOKs = Interlocked.Read(ref counters.ReasmOKs);
        ReasmFails = Interlocked.Read(ref counters.ReasmFails);
        ReasmOverlaps = Interlocked.Read(ref counters.ReasmOverlaps);
        FragOKs = Interlocked.Read(ref counters.FragOKs);
        FragFails = Interlocked.Read(ref counters.FragFails);
        FragCreates = Interlocked.Read(ref counters.FragCreates);
        InMcastPkts = Interlocked.Read(ref counters.InMcastPkts);
        InNoECTPkts = Interlocked.Read(ref counters.InNoECTPkts);
        InECT1Pkts = Interlocked.Read(ref counters.InECT1Pkts);
        InECT0Pkts = Interlocked.Read(ref counters.InECT0Pkts);
        InCEPkts = Interlocked.Read(ref counters.InCEPkts);
        InBcastPkts = Interlocked.Read(ref counters.InBcastPkts);
    }

    /// <summary>
    /// Datagrams received from links, including those in error. Linux <c>Ip: InReceives</c>; instrument
    /// <c>netstack.ip.packets.received</c> in <c>{packet}</c>.
    /// </summary>
    public long InReceives { get; }

    /// <summary>
    /// Datagrams discarded for a bad version, header or total/payload length, TTL or hop limit, header checksum or
    /// extension header. Linux <c>Ip: InHdrErrors</c>; instrument <c>netstack.ip.packets.header_errors</c> in
    /// <c>{packet}</c>.
    /// </summary>
    public long InHdrErrors { get; }

    /// <summary>
    /// Datagrams discarded for a bad header checksum (also counted in InHdrErrors). IPv4 only. Linux
    /// <c>IpExt: InCsumErrors</c>; instrument <c>netstack.ip.packets.checksum_errors</c> in <c>{packet}</c>.
    /// </summary>
    public long InCsumErrors { get; }

    /// <summary>
    /// Datagrams discarded because the destination is not an address (or joined group) of this stack. Linux
    /// <c>Ip: InAddrErrors</c>; instrument <c>netstack.ip.packets.address_errors</c> in <c>{packet}</c>.
    /// </summary>
    public long InAddrErrors { get; }

    /// <summary>
    /// Datagrams delivered locally for which no transport handler for the protocol (next header) exists. Linux
    /// <c>Ip: InUnknownProtos</c>; instrument <c>netstack.ip.packets.unknown_protocol</c> in <c>{packet}</c>.
    /// </summary>
    public long InUnknownProtos { get; }

    /// <summary>
    /// Datagrams shorter than their IP total (payload) length. Linux <c>IpExt: InTruncatedPkts</c>; instrument
    /// <c>netstack.ip.packets.truncated</c> in <c>{packet}</c>.
    /// </summary>
    public long InTruncatedPkts { get; }

    /// <summary>
    /// Inbound datagrams discarded for lack of resources (no buffer). Linux <c>Ip: InDiscards</c>; instrument
    /// <c>netstack.ip.packets.receive_discarded</c> in <c>{packet}</c>.
    /// </summary>
    public long InDiscards { get; }

    /// <summary>
    /// Datagrams delivered to a transport handler or to ICMP. Linux <c>Ip: InDelivers</c>; instrument
    /// <c>netstack.ip.packets.delivered</c> in <c>{packet}</c>.
    /// </summary>
    public long InDelivers { get; }

    /// <summary>
    /// Datagrams the transports and ICMP handed to IP for sending. Linux <c>Ip: OutRequests</c>; instrument
    /// <c>netstack.ip.packets.sent</c> in <c>{packet}</c>.
    /// </summary>
    public long OutRequests { get; }

    /// <summary>
    /// Outbound datagrams discarded for lack of resources. Linux <c>Ip: OutDiscards</c>; instrument
    /// <c>netstack.ip.packets.send_discarded</c> in <c>{packet}</c>.
    /// </summary>
    public long OutDiscards { get; }

    /// <summary>
    /// Outbound datagrams discarded because no route matched. Linux <c>Ip: OutNoRoutes</c>; instrument
    /// <c>netstack.ip.packets.no_route</c> in <c>{packet}</c>.
    /// </summary>
    public long OutNoRoutes { get; }

    /// <summary>
    /// Reassembly queues that timed out before every fragment arrived. Linux <c>Ip: ReasmTimeout</c>; instrument
    /// <c>netstack.ip.reassembly.timeouts</c> in <c>{datagram}</c>.
    /// </summary>
    public long ReasmTimeout { get; }

    /// <summary>
    /// Fragments received that needed reassembly. Linux <c>Ip: ReasmReqds</c>; instrument
    /// <c>netstack.ip.reassembly.fragments</c> in <c>{fragment}</c>.
    /// </summary>
    public long ReasmReqds { get; }

    /// <summary>
    /// Datagrams successfully reassembled. Linux <c>Ip: ReasmOKs</c>; instrument
    /// <c>netstack.ip.reassembly.completed</c> in <c>{datagram}</c>.
    /// </summary>
    public long ReasmOKs { get; }

    /// <summary>
    /// Reassembly failures (timeout, overlap, oversize, memory limit), per datagram. Linux <c>Ip: ReasmFails</c>;
    /// instrument <c>netstack.ip.reassembly.failed</c> in <c>{datagram}</c>.
    /// </summary>
    public long ReasmFails { get; }

    /// <summary>
    /// Datagrams dropped because their fragments overlapped (RFC 5722). Linux <c>Ip: ReasmOverlaps</c>; instrument
    /// <c>netstack.ip.reassembly.overlaps</c> in <c>{datagram}</c>.
    /// </summary>
    public long ReasmOverlaps { get; }

    /// <summary>
    /// Datagrams successfully fragmented on output. Linux <c>Ip: FragOKs</c>; instrument
    /// <c>netstack.ip.fragmentation.completed</c> in <c>{datagram}</c>.
    /// </summary>
    public long FragOKs { get; }

    /// <summary>
    /// Datagrams that needed fragmentation but could not be fragmented (IPv4 DF set). Linux <c>Ip: FragFails</c>;
    /// instrument <c>netstack.ip.fragmentation.failed</c> in <c>{datagram}</c>.
    /// </summary>
    public long FragFails { get; }

    /// <summary>
    /// Fragments created on output. Linux <c>Ip: FragCreates</c>; instrument <c>netstack.ip.fragmentation.fragments</c>
    /// in <c>{fragment}</c>.
    /// </summary>
    public long FragCreates { get; }

    /// <summary>
    /// Multicast datagrams received. Linux <c>IpExt: InMcastPkts</c>; instrument
    /// <c>netstack.ip.packets.multicast_received</c> in <c>{packet}</c>.
    /// </summary>
    public long InMcastPkts { get; }

    /// <summary>
    /// Packets received without ECN capability (Not-ECT, RFC 3168 §5); a merged (GRO) packet counts its segments. Linux <c>IpExt: InNoECTPkts</c>; instrument <c>netstack.ip.packets.ecn.not_ect</c> in <c>{packet}</c>.
    /// </summary>
    public long InNoECTPkts { get; }

    /// <summary>
    /// Packets received marked ECT(1) (RFC 3168 §5); a merged (GRO) packet counts its segments. Linux <c>IpExt: InECT1Pkts</c>; instrument <c>netstack.ip.packets.ecn.ect1</c> in <c>{packet}</c>.
    /// </summary>
    public long InECT1Pkts { get; }

    /// <summary>
    /// Packets received marked ECT(0) (RFC 3168 §5); a merged (GRO) packet counts its segments. Linux <c>IpExt: InECT0Pkts</c>; instrument <c>netstack.ip.packets.ecn.ect0</c> in <c>{packet}</c>.
    /// </summary>
    public long InECT0Pkts { get; }

    /// <summary>
    /// Packets received marked CE, congestion experienced (RFC 3168 §5); a merged (GRO) packet counts its segments. Linux <c>IpExt: InCEPkts</c>; instrument <c>netstack.ip.packets.ecn.ce</c> in <c>{packet}</c>.
    /// </summary>
    public long InCEPkts { get; }

    /// <summary>
    /// Broadcast datagrams received. IPv4 only. Linux <c>IpExt: InBcastPkts</c>; instrument
    /// <c>netstack.ip.packets.broadcast_received</c> in <c>{packet}</c>.
    /// </summary>
    public long InBcastPkts { get; }
}
