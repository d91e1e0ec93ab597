using System.Collections;
using System.Globalization;
using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// Sheds root's capabilities before serving. Capabilities are per thread and a .NET process has many, so
/// capset(2) in one thread would leave the others privileged. Instead the process re-executes itself (same PID,
/// so the helper stays its child) in the hidden <c>__forward</c> mode, after shrinking the exec'ing thread's
/// bounding set to what the forwarder still needs (CAP_NET_BIND_SERVICE for a forward below port 1024, else
/// nothing): capabilities(7) gives every thread of the new image at most that set. Only for euid 0; an
/// unprivileged caller holds no capabilities in the host's user namespace to begin with.
/// </summary>
public static class CapabilityDrop
{
    /// <summary>The hidden subcommand the re-executed image runs.</summary>
    public const string ForwardMode = "__forward";

    /// <summary>Re-executes into <see cref="ForwardMode"/>; returns only by throwing.</summary>
    public static void ReExecute(RunOptions options, string deviceName, int[] descriptors, int helperPid, int socket, string? watchSpec)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(descriptors);
        foreach (int fd in descriptors.Append(socket))
        {
            ProcessCalls.SetCloseOnExec(fd, false); // the new image inherits exactly these
        }
        var argv = new List<string>(SelfExecutable.Command())
        {
            ForwardMode,
            Invariant(socket),
            Invariant(helperPid),
            deviceName,
            watchSpec ?? "-",
            string.Join(',', descriptors.Select(Invariant)),
        };
        argv.AddRange(options.ToArguments());
        var environment = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{entry.Key}={entry.Value}");
        }
        Console.Out.Flush();
        Console.Error.Flush();
        int[] keep = options.NeedsPrivilegedPorts ? [CapabilityBounds.NetBindService] : [];
        try
        {
            // The bounding set is per thread: shrink it on the thread that calls execve, with nothing in between.
            CapabilityBounds.RestrictTo(keep);
            ProcessCalls.Execute(argv[0], argv, environment);
        }
        catch (SystemCallException e)
        {
            throw new CommandFailedException($"run: cannot drop capabilities: {e.Message}", e);
        }
    }

    /// <summary>Runs <see cref="ForwardMode"/>: <c>SOCKET HELPER-PID DEVICE WATCH-SPEC|- FD[,FD...] OPTIONS... [-- COMMAND]</c>.</summary>
    public static int RunForwardMode(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count < 5)
        {
            throw new CommandFailedException($"{ForwardMode}: internal mode, not for direct use", ExitCodes.Usage);
        }
        int socket = int.Parse(args[0], CultureInfo.InvariantCulture);
        int helperPid = int.Parse(args[1], CultureInfo.InvariantCulture);
        string device = args[2];
        string? watchSpec = args[3] == "-" ? null : args[3];
        int[] descriptors = args[4].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        foreach (int fd in descriptors.Append(socket))
        {
            ProcessCalls.SetCloseOnExec(fd, true); // nothing we start later inherits them
        }
        RunOptions options = RunOptionSet.Parse(args.Skip(5).ToArray(), []);
        using CommandProcess? command = helperPid > 0 ? CommandProcess.Adopt(helperPid) : null;
        return ForwarderSession.Serve(options, device, descriptors, command, socket, watchSpec);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
