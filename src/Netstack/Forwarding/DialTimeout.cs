using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Runs a dial step under a time limit: when the limit (not the caller) cancels it, the step fails with
/// <see cref="SocketError.TimedOut"/>, as a kernel connect does when its SYN retries run out.
/// </summary>
internal static class DialTimeout
{
    /// <summary>Runs <paramref name="step"/> with a token that fires at <paramref name="timeout"/> or when the caller cancels.</summary>
    public static async ValueTask<T> RunAsync<T>(TimeSpan timeout, string what, Func<CancellationToken, ValueTask<T>> step, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            limit.CancelAfter(timeout);
        }
        try
        {
            return await step(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SocketException((int)SocketError.TimedOut, $"{what} timed out after {timeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>Checks a timeout option: positive, or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static TimeSpan Validate(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive or Timeout.InfiniteTimeSpan");
        }
        return value;
    }
}
