namespace Netstack.Transport.Tcp;

/// <summary>
/// The rate Linux would pace a connection at (<c>tcp_update_pacing_rate</c>): twice cwnd (or the flight, when larger)
/// per SRTT while cwnd is below half of ssthresh (<c>tcp_pacing_ss_ratio</c> 200 %), 1.2 times after
/// (<c>tcp_pacing_ca_ratio</c> 120 %). The stack does not pace, but TSO autosizing and HyStart's ACK-delay cushion size
/// themselves by this rate as Linux's do.
/// </summary>
internal static class PacingRate
{
    /// <summary>The rate in bytes per second; 0 before the first RTT sample (Linux has no pacing rate then).</summary>
    public static double BytesPerSecond(uint cwnd, uint ssthresh, uint bytesInFlight, TimeSpan srtt)
    {
        if (srtt <= TimeSpan.Zero)
        {
            return 0;
        }
        double ratio = cwnd < ssthresh / 2 ? 2.0 : 1.2;
        return ratio * Math.Max(cwnd, bytesInFlight) / srtt.TotalSeconds;
    }
}
