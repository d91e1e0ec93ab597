namespace Netstack.Transport.Tcp;

/// <summary>
/// Which HyStart signals end CUBIC's slow start before the first loss (the values of Linux's
/// <c>tcp_cubic</c> module parameter <c>hystart_detect</c>, whose default is <see cref="Both"/>). Slow start then sets
/// ssthresh to the current cwnd and goes on in congestion avoidance. Only CUBIC uses it; see
/// <see cref="TcpEndpointOptions.HyStart"/>.
/// </summary>
[Flags]
public enum HyStartDetection
{
    /// <summary>No HyStart: slow start lasts until a loss, an ECN echo or the receive window ends it.</summary>
    None = 0,

    /// <summary>
    /// ACK trains: the ACKs of one round, each within 2 ms of the one before, have kept coming for longer than half the
    /// minimum RTT (plus a cushion for TSO and GRO bursts), so the flight already fills about half the path.
    /// </summary>
    AckTrain = 1,

    /// <summary>Delay: the smallest of the first eight RTT samples of a round is above min_RTT + clamp(min_RTT/8, 4 ms, 16 ms), a queue is building.</summary>
    Delay = 2,

    /// <summary>Both signals (Linux's default).</summary>
    Both = AckTrain | Delay,
}
