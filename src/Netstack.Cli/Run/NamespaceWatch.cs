using System.Globalization;

namespace Netstack.Cli.Run;

/// <summary>
/// Tells when an attached network namespace is gone. Our TUN descriptor keeps the namespace itself alive (a TUN
/// queue's socket holds a reference to it), so the device never goes away under us; what ends is the handle the
/// user gave. Checked every second:
/// <list type="bullet">
/// <item><c>--netns PATH</c>: the file's namespace identity (nsfs inode) — <c>ip netns del</c> unmounts and
/// removes the file, so it is missing or different.</item>
/// <item><c>--pid PID</c>: the process, by PID and start time (field 22 of <c>/proc/PID/stat</c>, proc(5)), so a
/// reused PID is not mistaken for it. Its <c>/proc/PID/ns/net</c> cannot serve: once the forwarder has dropped
/// its capabilities it may not open another root process's namespace files (ptrace access mode).</item>
/// </list>
/// </summary>
public sealed class NamespaceWatch
{
    private const string PidPrefix = "pid:";
    private readonly string _spec;
    private readonly string _identity;

    /// <summary>Starts watching <paramref name="spec"/>: a namespace file path, or <see cref="ForPid"/>'s form.</summary>
    public NamespaceWatch(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _identity = Identify(spec) ?? throw new CommandFailedException($"attach: {Describe(spec)} is gone (or cannot be opened)");
    }

    /// <summary>The watch spec for a process.</summary>
    public static string ForPid(int pid) => PidPrefix + pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Completes when the namespace handle is gone, or when <paramref name="ct"/> is cancelled.</summary>
    public async Task WaitUntilGoneAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (Identify(_spec) != _identity)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>What identifies the watched thing now, or null when it is gone.</summary>
    public static string? Identify(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.StartsWith(PidPrefix, StringComparison.Ordinal))
        {
            return Netstack.Interop.NamespaceFile.IdentifyNetwork(spec);
        }
        try
        {
            string stat = File.ReadAllText($"/proc/{spec[PidPrefix.Length..]}/stat");
            // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null; // field 22, starttime
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Describe(string spec) =>
        spec.StartsWith(PidPrefix, StringComparison.Ordinal) ? "process " + spec[PidPrefix.Length..] : spec;
}
