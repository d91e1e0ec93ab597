namespace Netstack.Forwarding;

/// <summary>Waits until a UDP flow has been quiet for its idle timeout (counted), or the forwarder stops.</summary>
internal static class UdpIdleWatch
{
    /// <summary>Completes when <paramref name="idleTimeout"/> has passed since <paramref name="lastActivity"/> (counted as a flow timeout) or <paramref name="stop"/> fires.</summary>
    /// <param name="time">The clock the timestamps come from.</param>
    /// <param name="idleTimeout">How long the flow may be silent.</param>
    /// <param name="lastActivity">The <see cref="TimeProvider"/> timestamp of the flow's last datagram either way.</param>
    /// <param name="stats">Counters for the timeout.</param>
    /// <param name="stop">The forwarder stopping.</param>
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
