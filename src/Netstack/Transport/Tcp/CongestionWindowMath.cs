namespace Netstack.Transport.Tcp;

/// <summary>
/// Rules shared by the congestion controllers: the RFC 6928 initial window, slow start's increase per ACK,
/// and the RFC 5681 §4.1 restart after idle in Linux's form (<c>tcp_cwnd_restart</c>: halve cwnd once per
/// RTO of idle time, never below the restart window min(IW, cwnd), remembering 3/4 of the old cwnd in ssthresh).
/// </summary>
internal static class CongestionWindowMath
{
    /// <summary>An upper bound that keeps byte arithmetic far away from overflow (1 GiB).</summary>
    public const uint MaxWindow = 1u << 30;

    /// <summary>RFC 6928 §2: IW = min(10·MSS, max(2·MSS, 14600)).</summary>
    public static uint InitialWindow(uint mss) => Math.Min(10 * mss, Math.Max(2 * mss, 14600u));

    /// <summary>
    /// Slow start's increase for an ACK of <paramref name="ackedBytes"/>: all of them. RFC 5681 §3.1 allows
    /// min(N, SMSS) and RFC 3465 §2.2 min(N, L·SMSS) with L = 2; both limits were set against bursts, while byte
    /// counting itself already defeats ACK division. They cap stretch ACKs, which delayed ACKs and GRO/LRO receivers
    /// (this stack's <c>TcpCoalescer</c> among them) send all the time: with one ACK per 44-segment aggregate a cap of
    /// 2·SMSS turns doubling per RTT into a few percent. Like Linux (<c>tcp_slow_start</c>, since "tcp: properly handle
    /// stretch acks in slow start", 2015) a stretch ACK of N segments counts as N ACKs of one: cwnd still at most
    /// doubles per RTT, the burst RFC 3465 §3 worries about is what the flight just delivered.
    /// </summary>
    public static ulong SlowStartIncrease(uint ackedBytes) => ackedBytes;

    /// <summary>Applies the restart after idle; returns the new (cwnd, ssthresh).</summary>
    public static (uint Cwnd, uint Ssthresh) RestartAfterIdle(uint cwnd, uint ssthresh, uint mss, TimeSpan idle, TimeSpan rto)
    {
        if (rto <= TimeSpan.Zero || idle <= rto)
        {
            return (cwnd, ssthresh);
        }
        // RFC 7661 §4.4 / RFC 2861: ssthresh = max(ssthresh, 3/4 cwnd) so slow start can quickly regain the old window.
        ssthresh = Math.Max(ssthresh, (uint)(((ulong)cwnd * 3) / 4));
        uint restart = Math.Min(InitialWindow(mss), cwnd);
        for (TimeSpan left = idle - rto; left > TimeSpan.Zero && cwnd > restart; left -= rto)
        {
            cwnd >>= 1;
        }
        return (Math.Max(cwnd, restart), ssthresh);
    }
}
