using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>The ICMP and ICMPv6 counters as one set of <c>netstack.icmp.*</c> instruments, told apart by the <c>network.type</c> tag (OpenTelemetry).</summary>
internal static class IcmpInstruments
{
    public static void Register(Meter meter, IcmpStatistics v4, IcmpStatistics v6)
    {
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.messages.received", "{message}", "Messages received, including those in error.", () => Interlocked.Read(ref v4.InMsgs), () => Interlocked.Read(ref v6.InMsgs));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.messages.receive_errors", "{message}", "Messages received with a bad checksum or length.", () => Interlocked.Read(ref v4.InErrors), () => Interlocked.Read(ref v6.InErrors));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.messages.checksum_errors", "{message}", "Messages received with a bad checksum (also counted in InErrors).", () => Interlocked.Read(ref v4.InCsumErrors), () => Interlocked.Read(ref v6.InCsumErrors));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.destination_unreachable.received", "{message}", "Destination unreachable messages received.", () => Interlocked.Read(ref v4.InDestUnreachs), () => Interlocked.Read(ref v6.InDestUnreachs));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.time_exceeded.received", "{message}", "Time exceeded messages received.", () => Interlocked.Read(ref v4.InTimeExcds), () => Interlocked.Read(ref v6.InTimeExcds));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.parameter_problem.received", "{message}", "Parameter problem messages received.", () => Interlocked.Read(ref v4.InParmProbs), () => Interlocked.Read(ref v6.InParmProbs));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.packet_too_big.received", "{message}", "Packet too big (ICMPv6) or fragmentation needed (ICMPv4) messages received.", () => Interlocked.Read(ref v4.InPktTooBigs), () => Interlocked.Read(ref v6.InPktTooBigs));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.echo_requests.received", "{message}", "Echo requests received.", () => Interlocked.Read(ref v4.InEchos), () => Interlocked.Read(ref v6.InEchos));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.echo_replies.received", "{message}", "Echo replies received.", () => Interlocked.Read(ref v4.InEchoReps), () => Interlocked.Read(ref v6.InEchoReps));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.neighbor_solicitations.received", "{message}", "Neighbour solicitations received (ICMPv6).", () => Interlocked.Read(ref v4.InNeighborSolicits), () => Interlocked.Read(ref v6.InNeighborSolicits));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.neighbor_advertisements.received", "{message}", "Neighbour advertisements received (ICMPv6).", () => Interlocked.Read(ref v4.InNeighborAdvertisements), () => Interlocked.Read(ref v6.InNeighborAdvertisements));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.messages.sent", "{message}", "Messages sent.", () => Interlocked.Read(ref v4.OutMsgs), () => Interlocked.Read(ref v6.OutMsgs));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.messages.send_errors", "{message}", "Messages not sent for lack of a route or buffer.", () => Interlocked.Read(ref v4.OutErrors), () => Interlocked.Read(ref v6.OutErrors));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.destination_unreachable.sent", "{message}", "Destination unreachable messages sent.", () => Interlocked.Read(ref v4.OutDestUnreachs), () => Interlocked.Read(ref v6.OutDestUnreachs));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.time_exceeded.sent", "{message}", "Time exceeded messages sent.", () => Interlocked.Read(ref v4.OutTimeExcds), () => Interlocked.Read(ref v6.OutTimeExcds));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.echo_requests.sent", "{message}", "Echo requests sent.", () => Interlocked.Read(ref v4.OutEchos), () => Interlocked.Read(ref v6.OutEchos));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.echo_replies.sent", "{message}", "Echo replies sent.", () => Interlocked.Read(ref v4.OutEchoReps), () => Interlocked.Read(ref v6.OutEchoReps));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.neighbor_advertisements.sent", "{message}", "Neighbour advertisements sent (ICMPv6).", () => Interlocked.Read(ref v4.OutNeighborAdvertisements), () => Interlocked.Read(ref v6.OutNeighborAdvertisements));
        StatisticsInstruments.PerFamily(meter, "netstack.icmp.errors.rate_limited", "{message}", "Error messages suppressed by the rate limit.", () => Interlocked.Read(ref v4.OutRateLimited), () => Interlocked.Read(ref v6.OutRateLimited));
    }
}
