using System.Diagnostics;
using System.Globalization;
using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// Sets up <c>run</c> and <c>attach</c>: checks that namespaces and TUN are available, starts the namespace helper
/// (our own binary's <c>__ns-init</c> under util-linux <c>unshare</c> or <c>nsenter</c>, because a multithreaded
/// .NET process cannot unshare a user namespace or setns into one), receives the TUN descriptors over a socket
/// pair, drops capabilities when root (<see cref="CapabilityDrop"/>), and serves (<see cref="ForwarderSession"/>).
/// </summary>
public static class RunSession
{
    /// <summary>The hidden subcommand the helper runs.</summary>
    public const string HelperMode = "__ns-init";

    /// <summary>Runs <c>run</c> (<paramref name="attach"/> null) or <c>attach</c>; returns the exit status.</summary>
    public static int Run(RunOptions options, AttachTarget? attach)
    {
        ArgumentNullException.ThrowIfNull(options);
        string verb = attach is null ? "run" : "attach";
        bool root = ProcessCalls.IsEffectiveRoot;
        IReadOnlyList<string> wrapper = CheckAndCreateWrapper(verb, attach, root);
        if (options.Verbosity == Verbosity.Verbose)
        {
            foreach (string line in options.Addresses.Describe())
            {
                Console.Error.WriteLine($"{verb}: {line}");
            }
        }
        return StartHelperAndServe(options, attach, verb, root, wrapper);
    }

    /// <summary>
    /// Checks that TUN and the namespaces are there, and returns the command that puts the helper into them
    /// (<c>unshare</c> for run, <c>nsenter</c> for attach).
    /// </summary>
    private static IReadOnlyList<string> CheckAndCreateWrapper(string verb, AttachTarget? attach, bool root)
    {
        if (!File.Exists(TunDevice.ClonePath))
        {
            throw new CommandFailedException($"{verb}: {TunDevice.ClonePath} does not exist: the TUN driver is not available (load the 'tun' module, or give the container /dev/net/tun)");
        }
        IReadOnlyList<string> wrapper = attach is null
            ? ["unshare", .. root ? Array.Empty<string>() : ["--user", "--map-root-user"], "--net", "--mount", "--"]
            : ["nsenter", .. attach.NsenterOptions(), "--"];
        if (attach is null)
        {
            CheckNamespaces(wrapper);
        }
        else if (NamespaceWatch.Identify(attach.NetnsPath) is null || NamespaceWatch.Identify(attach.WatchSpec) is null)
        {
            throw new CommandFailedException($"attach: {attach.NetnsPath} is not a network namespace (or cannot be opened)");
        }
        return wrapper;
    }

    /// <summary>Starts the helper in the namespaces, takes the TUN descriptors it sends, and serves them (after dropping capabilities when root).</summary>
    private static int StartHelperAndServe(RunOptions options, AttachTarget? attach, string verb, bool root, IReadOnlyList<string> wrapper)
    {
        (int socket, int childEnd) = FdPassing.CreatePair();
        CommandProcess? helper = null;
        bool handedOver = false;
        try
        {
            ProcessCalls.SetCloseOnExec(childEnd, false); // the helper inherits this end
            string[] helperCommand =
            [
                .. wrapper, .. SelfExecutable.Command(), HelperMode,
                childEnd.ToString(CultureInfo.InvariantCulture), attach is null ? "run" : "attach",
                .. options.ToArguments(),
            ];
            helper = CommandProcess.Start(helperCommand);
            LibC.Close(childEnd);
            childEnd = -1;

            (string name, int[] descriptors) = ReceiveDevice(options, verb, wrapper, helper, socket);
            if (attach is not null)
            {
                helper.Exited.GetAwaiter().GetResult(); // it exits once the descriptors are sent
            }
            if (root)
            {
                CapabilityDrop.ReExecute(options, name, descriptors, attach is null ? helper.Pid : 0, socket, attach?.WatchSpec);
            }
            handedOver = true;
            return ForwarderSession.Serve(options, name, descriptors, attach is null ? helper : null, socket, attach?.WatchSpec);
        }
        finally
        {
            if (childEnd >= 0)
            {
                LibC.Close(childEnd);
            }
            if (!handedOver)
            {
                LibC.Close(socket); // the helper sees end of file and exits without running the command
            }
            if (helper is not null)
            {
                if (!handedOver)
                {
                    helper.Exited.Wait(TimeSpan.FromSeconds(10)); // leave no process behind
                }
                helper.Dispose();
            }
        }
    }

    /// <summary>The TUN device the helper created and its queue descriptors; fails when the helper ended first.</summary>
    private static (string Name, int[] Descriptors) ReceiveDevice(RunOptions options, string verb, IReadOnlyList<string> wrapper, CommandProcess helper, int socket)
    {
        (string Name, int[] Descriptors)? device = HelperProtocol.ReceiveDevice(socket);
        if (device is null)
        {
            int status = helper.Exited.GetAwaiter().GetResult();
            throw new CommandFailedException($"{verb}: the namespace helper ({wrapper[0]}) ended with status {status} before the namespace was set up");
        }
        if (options.Verbosity == Verbosity.Verbose)
        {
            Console.Error.WriteLine($"{verb}: device {device.Value.Name}, mtu {options.Mtu}, {device.Value.Descriptors.Length} queue(s)");
        }
        return device.Value;
    }

    /// <summary>Creates the namespaces once with <c>true</c> as the program, to turn a refusal into one line before anything starts.</summary>
    private static void CheckNamespaces(IReadOnlyList<string> wrapper)
    {
        var info = new ProcessStartInfo(wrapper[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in wrapper.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }
        info.ArgumentList.Add("true");
        try
        {
            using Process process = Process.Start(info) ?? throw new CommandFailedException("run: cannot start unshare");
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new CommandFailedException($"run: no permission to create namespaces: {NetstackCli.OneLine(error)}");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException($"run: cannot run util-linux unshare: {e.Message}", e);
        }
    }
}
