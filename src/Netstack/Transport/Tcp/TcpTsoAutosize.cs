namespace Netstack.Transport.Tcp;

/// <summary>
/// How many MSS one super-segment may carry (Linux tcp_tso_autosize): about a millisecond of data at the rate Linux
/// would pace at (<see cref="PacingRate"/>), at least two, plus a bonus of up to the whole GSO size on paths with a
/// short minimum RTT (tcp_tso_rtt_log = 9: the bonus halves for each 512 µs of it). A slow path so gets small
/// super-segments, the burst a TSO sender puts on the wire stays short, and the receiver sees a PSH every few
/// segments; loopback and LAN paths keep full-size ones.
/// </summary>
internal static class TcpTsoAutosize
{
    /// <summary>The most MSS-sized segments a super-segment may hold now; <see cref="int.MaxValue"/> before the first RTT sample.</summary>
    internal static int MaxSegments(uint cwnd, uint ssthresh, uint bytesInFlight, int mss, TimeSpan srtt, TimeSpan minRtt, int gsoMaxSize, int minSegments = 2)
    {
        if (srtt <= TimeSpan.Zero)
        {
            return int.MaxValue; // no pacing rate yet: Linux starts it unlimited
        }
        double bytesPerSecond = PacingRate.BytesPerSecond(cwnd, ssthresh, bytesInFlight, srtt);
        long bytes = (long)Math.Min(bytesPerSecond / 1024, gsoMaxSize); // sk_pacing_shift 10: about 1 ms
        long shift = (long)minRtt.TotalMicroseconds >> 9;
        if (minRtt > TimeSpan.Zero && shift < 32)
        {
            bytes += gsoMaxSize >> (int)shift;
        }
        bytes = Math.Min(bytes, gsoMaxSize);
        return (int)Math.Max(bytes / mss, minSegments);
    }
}
