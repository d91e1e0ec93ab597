namespace Netstack.Cli.Run;

/// <summary>
/// Tells when an attached network namespace is gone. Our TUN descriptor keeps the namespace itself alive (a TUN
/// queue's socket holds a reference to it), so the device never goes away under us; what ends is the handle the
/// user gave: the namespace file (<c>ip netns del</c> unmounts and removes it) or the process (<c>/proc/PID/ns/net</c>
/// vanishes when it exits). Every second the path is opened and its namespace identity (the <c>net:[inode]</c>
/// that <c>/proc/self/fd</c> shows) compared with the one at the start: missing or different means gone.
/// </summary>
public sealed class NamespaceWatch
{
    private readonly string _path;
    private readonly string _identity;

    /// <summary>Starts watching <paramref name="path"/> (a namespace file or <c>/proc/PID/ns/net</c>).</summary>
    public NamespaceWatch(string path)
    {
        _path = path;
        _identity = Identify(path) ?? throw new CommandFailedException($"attach: {path} is not a network namespace (or cannot be opened)");
    }

    /// <summary>Completes when the namespace handle is gone, or when <paramref name="ct"/> is cancelled.</summary>
    public async Task WaitUntilGoneAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (Identify(_path) != _identity)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The <c>net:[inode]</c> of the namespace at <paramref name="path"/>, or null when it cannot be opened or is no network namespace.</summary>
    public static string? Identify(string path) => Netstack.Interop.NamespaceFile.IdentifyNetwork(path);
}
