using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Cli.Run;

/// <summary>
/// Serves the namespace: forwards what <paramref name="stack"/> terminates to host sockets until
/// <paramref name="ct"/> is cancelled. Called by <see cref="ForwarderSession"/> with the stack attached to
/// <paramref name="link"/>, its interface holding the gateway address(es), and AcceptAnyDestination set.
/// </summary>
public static class ForwarderHost
{
    /// <summary>Serves until <paramref name="ct"/> is cancelled (then returns normally).</summary>
    public static async Task ServeAsync(NetStack stack, TunLink link, RunOptions options, CancellationToken ct)
    {
        // Placeholder: replaced by the forwarder engine.
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
