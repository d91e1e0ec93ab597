namespace Netstack.Stack;

/// <summary>
/// ICMP or ICMPv6 counters of one stack at one moment, named as Linux <c>netstat -s</c> (Icmp: and Icmp6:); see
/// <see cref="NetStack.GetStatistics"/>.
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct IcmpStatisticsSnapshot
{
    internal IcmpStatisticsSnapshot(IcmpStatistics counters)
    {
        InMsgs = Interlocked.Read(ref counters.InMsgs);
        InErrors = Interlocked.Read(ref counters.InErrors);
        InCsumErrors = Interlocked.Read(ref counters.InCsumErrors);
        InDestUnreachs = Interlocked.Read(ref counters.InDestUnreachs);
        InTimeExcds = Interlocked.Read(ref counters.InTimeExcds);
        InParmProbs = Interlocked.Read(ref counters.InParmProbs);
        InPktTooBigs = Interlocked.Read(ref counters.InPktTooBigs);
        InEchos = Interlocked.Read(ref counters.InEchos);
        InEchoReps = Interlocked.Read(ref counters.InEchoReps);
        InNeighborSolicits = Interlocked.Read(ref counters.InNeighborSolicits);
        InNeighborAdvertisements = Interlocked.Read(ref counters.InNeighborAdvertisements);
        OutMsgs = Interlocked.Read(ref counters.OutMsgs);
        OutErrors = Interlocked.Read(ref counters.OutErrors);
        OutDestUnreachs = Interlocked.Read(ref counters.OutDestUnreachs);
        OutTimeExcds = Interlocked.Read(ref counters.OutTimeExcds);
        OutEchos = Interlocked.Read(ref counters.OutEchos);
        OutEchoReps = Interlocked.Read(ref counters.OutEchoReps);
        OutNeighborAdvertisements = Interlocked.Read(ref counters.OutNeighborAdvertisements);
        OutRateLimited = Interlocked.Read(ref counters.OutRateLimited);
    }

    /// <summary>
    /// Messages received, including those in error. Linux <c>Icmp: InMsgs</c>, <c>Icmp6InMsgs</c>; instrument
    /// <c>netstack.icmp.messages.received</c> in <c>{message}</c>.
    /// </summary>
    public long InMsgs { get; }

    /// <summary>
    /// Messages received with a bad checksum or length. Linux <c>Icmp: InErrors</c>, <c>Icmp6InErrors</c>; instrument
    /// <c>netstack.icmp.messages.receive_errors</c> in <c>{message}</c>.
    /// </summary>
    public long InErrors { get; }

    /// <summary>
    /// Messages received with a bad checksum (also counted in InErrors). Linux <c>Icmp: InCsumErrors</c>,
    /// <c>Icmp6InCsumErrors</c>; instrument <c>netstack.icmp.messages.checksum_errors</c> in <c>{message}</c>.
    /// </summary>
    public long InCsumErrors { get; }

    /// <summary>
    /// Destination unreachable messages received. Linux <c>Icmp: InDestUnreachs</c>, <c>Icmp6InDestUnreachs</c>;
    /// instrument <c>netstack.icmp.destination_unreachable.received</c> in <c>{message}</c>.
    /// </summary>
    public long InDestUnreachs { get; }

    /// <summary>
    /// Time exceeded messages received. Linux <c>Icmp: InTimeExcds</c>, <c>Icmp6InTimeExcds</c>; instrument
    /// <c>netstack.icmp.time_exceeded.received</c> in <c>{message}</c>.
    /// </summary>
    public long InTimeExcds { get; }

    /// <summary>
    /// Parameter problem messages received. Linux <c>Icmp: InParmProbs</c>, <c>Icmp6InParmProbs</c>; instrument
    /// <c>netstack.icmp.parameter_problem.received</c> in <c>{message}</c>.
    /// </summary>
    public long InParmProbs { get; }

    /// <summary>
    /// Packet too big (ICMPv6) or fragmentation needed (ICMPv4) messages received. Linux <c>Icmp6InPktTooBigs</c>;
    /// instrument <c>netstack.icmp.packet_too_big.received</c> in <c>{message}</c>.
    /// </summary>
    public long InPktTooBigs { get; }

    /// <summary>
    /// Echo requests received. Linux <c>Icmp: InEchos</c>, <c>Icmp6InEchos</c>; instrument
    /// <c>netstack.icmp.echo_requests.received</c> in <c>{message}</c>.
    /// </summary>
    public long InEchos { get; }

    /// <summary>
    /// Echo replies received. Linux <c>Icmp: InEchoReps</c>, <c>Icmp6InEchoReps</c>; instrument
    /// <c>netstack.icmp.echo_replies.received</c> in <c>{message}</c>.
    /// </summary>
    public long InEchoReps { get; }

    /// <summary>
    /// Neighbour solicitations received (ICMPv6). Linux <c>Icmp6InNeighborSolicits</c>; instrument
    /// <c>netstack.icmp.neighbor_solicitations.received</c> in <c>{message}</c>.
    /// </summary>
    public long InNeighborSolicits { get; }

    /// <summary>
    /// Neighbour advertisements received (ICMPv6). Linux <c>Icmp6InNeighborAdvertisements</c>; instrument
    /// <c>netstack.icmp.neighbor_advertisements.received</c> in <c>{message}</c>.
    /// </summary>
    public long InNeighborAdvertisements { get; }

    /// <summary>
    /// Messages sent. Linux <c>Icmp: OutMsgs</c>, <c>Icmp6OutMsgs</c>; instrument <c>netstack.icmp.messages.sent</c> in
    /// <c>{message}</c>.
    /// </summary>
    public long OutMsgs { get; }

    /// <summary>
    /// Messages not sent for lack of a route or buffer. Linux <c>Icmp: OutErrors</c>, <c>Icmp6OutErrors</c>; instrument
    /// <c>netstack.icmp.messages.send_errors</c> in <c>{message}</c>.
    /// </summary>
    public long OutErrors { get; }

    /// <summary>
    /// Destination unreachable messages sent. Linux <c>Icmp: OutDestUnreachs</c>, <c>Icmp6OutDestUnreachs</c>;
    /// instrument <c>netstack.icmp.destination_unreachable.sent</c> in <c>{message}</c>.
    /// </summary>
    public long OutDestUnreachs { get; }

    /// <summary>
    /// Time exceeded messages sent. Linux <c>Icmp: OutTimeExcds</c>, <c>Icmp6OutTimeExcds</c>; instrument
    /// <c>netstack.icmp.time_exceeded.sent</c> in <c>{message}</c>.
    /// </summary>
    public long OutTimeExcds { get; }

    /// <summary>
    /// Echo requests sent. Linux <c>Icmp: OutEchos</c>, <c>Icmp6OutEchos</c>; instrument
    /// <c>netstack.icmp.echo_requests.sent</c> in <c>{message}</c>.
    /// </summary>
    public long OutEchos { get; }

    /// <summary>
    /// Echo replies sent. Linux <c>Icmp: OutEchoReps</c>, <c>Icmp6OutEchoReps</c>; instrument
    /// <c>netstack.icmp.echo_replies.sent</c> in <c>{message}</c>.
    /// </summary>
    public long OutEchoReps { get; }

    /// <summary>
    /// Neighbour advertisements sent (ICMPv6). Linux <c>Icmp6OutNeighborAdvertisements</c>; instrument
    /// <c>netstack.icmp.neighbor_advertisements.sent</c> in <c>{message}</c>.
    /// </summary>
    public long OutNeighborAdvertisements { get; }

    /// <summary>
    /// Error messages suppressed by the rate limit. Linux <c>Icmp: OutRateLimitGlobal</c>; instrument
    /// <c>netstack.icmp.errors.rate_limited</c> in <c>{message}</c>.
    /// </summary>
    public long OutRateLimited { get; }
}
