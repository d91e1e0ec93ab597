using System.Collections;
using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// The namespace helper's work (<c>netstack __ns-init</c>, running inside the new or entered network namespace):
/// creates and configures the TUN device, gives the namespace its private <c>/etc/resolv.conf</c>, hands the
/// device's descriptors to the forwarder, and (for <c>run</c>) waits for the go and becomes the command.
/// </summary>
public static class NamespaceSetup
{
    /// <summary>The device's name inside the namespace (<c>%d</c>: the kernel picks the first free number).</summary>
    public const string DeviceName = "tun%d";

    /// <summary>Runs the helper; returns only when attaching (exit code) or when the command cannot start (throws).</summary>
    public static int Run(RunOptions options, int socket, bool attach)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Nothing we start (ip, the command) may inherit the socket: its end of file tells the forwarder we are gone.
        ProcessCalls.SetCloseOnExec(socket, true);
        int[] queues;
        string name;
        try
        {
            if (!attach)
            {
                IpTool.Run("link", "set", "lo", "up");
            }
            (name, queues) = CreateDevice(options);
            if (!attach)
            {
                WriteResolvConf(options.Addresses);
            }
        }
        catch (Exception e) when (e is CommandFailedException or SystemCallException or IOException or UnauthorizedAccessException)
        {
            HelperProtocol.SendError(socket, $"{(attach ? "attach" : "run")}: {e.Message}");
            return ExitCodes.Failure;
        }
        HelperProtocol.SendDevice(socket, name, queues);
        foreach (int fd in queues)
        {
            TunDevice.Close(fd);
        }
        if (attach)
        {
            return ExitCodes.Success;
        }

        // Wait for the forwarder to serve; end of file means it failed (it reports why) or was killed.
        byte[] go = new byte[1];
        if (FdPassing.Receive(socket, go, []) != 1 || go[0] != HelperProtocol.Go)
        {
            return ExitCodes.Failure;
        }
        LibC.Close(socket);
        Execute(options.Command);
        return ExitCodes.Failure; // not reached: Execute returns only by throwing
    }

    private static (string Name, int[] Queues) CreateDevice(RunOptions options)
    {
        short flags = (short)(TunIoctl.IFF_TUN | TunIoctl.IFF_NO_PI | TunIoctl.IFF_VNET_HDR | (options.Queues > 1 ? TunIoctl.IFF_MULTI_QUEUE : 0));
        var queues = new List<int>();
        string name = DeviceName;
        try
        {
            for (int i = 0; i < options.Queues; i++)
            {
                try
                {
                    queues.Add(TunDevice.OpenQueue(name, flags, out string actual));
                    name = actual;
                }
                catch (SystemCallException e)
                {
                    throw new CommandFailedException($"cannot create the TUN device in the namespace: {e.Message}", e);
                }
            }
            NetDevice.SetMtu(name, options.Mtu);
            try
            {
                if (NetDevice.GetTxQueueLength(name) < 4096)
                {
                    NetDevice.SetTxQueueLength(name, 4096); // see TunLinkOptions.MinTxQueueLength
                }
            }
            catch (SystemCallException e) when (e.Errno == Errno.EPERM)
            {
                // A namespace owned by another user namespace may refuse it; the device works with the default, only slower under load.
            }
            NamespaceAddresses a = options.Addresses;
            if (a.Address4 is not null)
            {
                IpTool.Run("addr", "add", a.Address4.Value.ToString(), "dev", name);
            }
            if (a.Address6 is not null)
            {
                // nodad: the address is usable at once (no duplicate detection on a link with one other end: us).
                IpTool.Run("-6", "addr", "add", a.Address6.Value.ToString(), "dev", name, "nodad");
            }
            IpTool.Run("link", "set", name, "up");
            // replace, not add: an attached namespace may have a default route already; ours is the one that works.
            if (a.Gateway4 is not null)
            {
                IpTool.Run("route", "replace", "default", "via", a.Gateway4.Value.ToString(), "dev", name);
            }
            if (a.Gateway6 is not null)
            {
                IpTool.Run("-6", "route", "replace", "default", "via", a.Gateway6.Value.ToString(), "dev", name);
            }
            return (name, [.. queues]);
        }
        catch
        {
            foreach (int fd in queues)
            {
                TunDevice.Close(fd);
            }
            throw;
        }
    }

    /// <summary>
    /// Bind-mounts a file naming our DNS address over /etc/resolv.conf. The mount namespace is ours (util-linux
    /// unshare makes its propagation private), so the host never sees it. The file and its directory are removed
    /// at once: the mount holds the inode, so nothing is left on disk whatever happens later.
    /// </summary>
    private static void WriteResolvConf(NamespaceAddresses addresses)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("netstack-run-");
        string file = Path.Combine(directory.FullName, "resolv.conf");
        try
        {
            var text = new System.Text.StringBuilder();
            foreach (var dns in new[] { addresses.Dns4, addresses.Dns6 })
            {
                if (dns is not null)
                {
                    text.Append("nameserver ").Append(dns.Value.ToString()).Append('\n');
                }
            }
            File.WriteAllText(file, text.ToString());
            BindMount.Mount(file, "/etc/resolv.conf");
        }
        finally
        {
            File.Delete(file);
            directory.Delete();
        }
    }

    /// <summary>Replaces this process with the command (execve, the PATH searched as a shell would), keeping the environment.</summary>
    private static void Execute(IReadOnlyList<string> command)
    {
        string program = command[0];
        string? path = program.Contains('/', StringComparison.Ordinal) ? program : FindOnPath(program);
        if (path is null)
        {
            throw new CommandFailedException($"run: {program}: command not found", 127);
        }
        var environment = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{entry.Key}={entry.Value}");
        }
        try
        {
            ProcessCalls.Execute(path, command, environment);
        }
        catch (SystemCallException e)
        {
            throw new CommandFailedException($"run: cannot execute {program}: {e.Message}", e.Errno == Errno.ENOENT ? 127 : 126);
        }
    }

    private static string? FindOnPath(string program)
    {
        string pathVariable = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (string directory in pathVariable.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
