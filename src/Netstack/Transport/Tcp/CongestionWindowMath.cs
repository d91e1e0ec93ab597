namespace Netstack.Transport.Tcp;

/// <summary>
/// Rules shared by the congestion controllers: the RFC 6928 initial window, the cwnd-limited test that
/// stops an application-limited sender from inflating cwnd (Linux <c>tcp_is_cwnd_limited</c>, RFC 7661),
/// and the RFC 5681 §4.1 restart after idle in Linux's form (<c>tcp_cwnd_restart</c>: halve cwnd once per
/// RTO of idle time, never below the restart window min(IW, cwnd), remembering 3/4 of the old cwnd in ssthresh).
/// </summary>
internal static class CongestionWindowMath
{
    /// <summary>An upper bound that keeps byte arithmetic far away from overflow (1 GiB).</summary>
    public const uint MaxWindow = 1u << 30;

    /// <summary>RFC 6928 §2: IW = min(10·MSS, max(2·MSS, 14600)).</summary>
    public static uint InitialWindow(uint mss) => Math.Min(10 * mss, Math.Max(2 * mss, 14600u));

    /// <summary>True when the flight before this ACK used at least half of cwnd; below that the sender is application-limited.</summary>
    public static bool IsCwndLimited(uint ackedBytes, uint bytesInFlight, uint cwnd) =>
        2 * ((ulong)bytesInFlight + ackedBytes) >= cwnd;

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
