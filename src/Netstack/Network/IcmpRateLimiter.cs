namespace Netstack.Network;

/// <summary>
/// A token bucket for outgoing ICMP errors, as RFC 1812 §4.3.2.8 and RFC 4443 §2.4(f) require: by default 1000
/// messages per second with a burst of 50 (Linux <c>icmp_msgs_per_sec</c> / <c>icmp_msgs_burst</c>), so that a
/// flood of bad packets cannot be amplified into a flood of errors.
/// </summary>
internal sealed class IcmpRateLimiter(TimeProvider time, int perSecond, int burst)
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _lastTimestamp = time.GetTimestamp();

    /// <summary>Takes a token if one is available.</summary>
    public bool TryAcquire()
    {
        if (perSecond <= 0)
        {
            return false;
        }
        lock (_lock)
        {
            long now = time.GetTimestamp();
            double elapsed = (now - _lastTimestamp) / (double)time.TimestampFrequency;
            _lastTimestamp = now;
            _tokens = Math.Min(burst, _tokens + (elapsed * perSecond));
            if (_tokens < 1)
            {
                return false;
            }
            _tokens -= 1;
            return true;
        }
    }
}
