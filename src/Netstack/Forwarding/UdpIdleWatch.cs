namespace Netstack.Forwarding;

/// <summary>Waits until a UDP flow has been quiet for its idle timeout (counted), or the forwarder stops.</summary>
internal static class UdpIdleWatch
{
    /// <param name="lastActivity">The <see cref="TimeProvider"/> timestamp of the flow's last datagram either way.</param>
    public static async Task WaitAsync(TimeProvider time, TimeSpan idleTimeout, Func<long> lastActivity, HostForwarderStatistics stats, CancellationToken stop)
    {
        try
        {
            TimeSpan wait = idleTimeout;
            while (true)
            {
                await Task.Delay(wait, time, stop).ConfigureAwait(false);
                TimeSpan quiet = time.GetElapsedTime(lastActivity());
                if (quiet >= idleTimeout)
                {
                    Interlocked.Increment(ref stats.UdpIdleClosed);
                    return;
                }
                wait = idleTimeout - quiet;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
