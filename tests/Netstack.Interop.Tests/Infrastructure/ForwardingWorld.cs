using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>
/// A private world for <c>netstack run</c> acceptance tests, so no traffic ever reaches the machine's own networks:
/// a "host" network namespace (where netstack runs, with its own loopback services, its own
/// <c>net.ipv4.ping_group_range</c> and a private resolv.conf naming 127.0.0.1) and a "remote" namespace joined to
/// it by a veth pair (host side 10.9.40.1/24 and fd00:9:40::1/64, remote side .2 and ::2). Dispose kills every
/// process the world started (by PID) and deletes the namespaces, the veth with them, and the temporary directory.
/// </summary>
public sealed class ForwardingWorld : IDisposable
{
    public const string HostVeth4 = "10.9.40.1";
    public const string HostVeth6 = "fd00:9:40::1";
    public const string Remote4 = "10.9.40.2";
    public const string Remote6 = "fd00:9:40::2";

    /// <summary>The namespace's own addresses (chosen, so nothing depends on the defaults), gateway .2/::2, DNS .3/::3.</summary>
    public static readonly string[] Addresses = ["--address", "10.41.0.100/24", "--address", "fd41::100/64"];
    public const string Gateway4 = "10.41.0.2";
    public const string Gateway6 = "fd41::2";
    public const string Dns4 = "10.41.0.3";
    public const string Dns6 = "fd41::3";

    /// <summary>
    /// The xunit collection of the tests that use a world: one at a time, so the measured numbers (echo time,
    /// iperf3, ab) and the time bounds do not depend on what else the two cores are running.
    /// </summary>
    public const string Collection = "netstack run acceptance";

    private static int s_counter;
    private readonly List<Process> _processes = [];
    private readonly List<IDisposable> _owned = [];

    public string HostNs { get; }
    public string RemoteNs { get; }
    public string HostNsPath => "/run/netns/" + HostNs;
    public string RemoteNsPath => "/run/netns/" + RemoteNs;

    /// <summary>A temporary directory for the test's files (resolv.conf, scripts, served files).</summary>
    public DirectoryInfo Directory { get; }

    /// <summary>python3 of the distribution (not a version manager's shim, which may not work inside the namespace).</summary>
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : TestEnvironment.FindProgram("python3") ?? "python3";

    public ForwardingWorld()
    {
        string id = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Interlocked.Increment(ref s_counter).ToString(CultureInfo.InvariantCulture);
        HostNs = "acch" + id;
        RemoteNs = "accr" + id;
        Directory = System.IO.Directory.CreateTempSubdirectory("netstack-accept-");
        try
        {
            ProcessRunner.Check("ip", "netns", "add", HostNs);
            ProcessRunner.Check("ip", "netns", "add", RemoteNs);
            ProcessRunner.Check("ip", "-n", HostNs, "link", "set", "lo", "up");
            ProcessRunner.Check("ip", "-n", RemoteNs, "link", "set", "lo", "up");
            ProcessRunner.Check("ip", "-n", HostNs, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", RemoteNs);
            ProcessRunner.Check("ip", "-n", HostNs, "addr", "add", HostVeth4 + "/24", "dev", "veth0");
            ProcessRunner.Check("ip", "-n", HostNs, "addr", "add", HostVeth6 + "/64", "dev", "veth0", "nodad");
            ProcessRunner.Check("ip", "-n", RemoteNs, "addr", "add", Remote4 + "/24", "dev", "veth0");
            ProcessRunner.Check("ip", "-n", RemoteNs, "addr", "add", Remote6 + "/64", "dev", "veth0", "nodad");
            ProcessRunner.Check("ip", "-n", HostNs, "link", "set", "veth0", "up");
            ProcessRunner.Check("ip", "-n", RemoteNs, "link", "set", "veth0", "up");
            // Ping sockets for root's group, in the host namespace only (the setting is per network namespace).
            ProcessRunner.Check("ip", "netns", "exec", HostNs, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647");
            File.WriteAllText(ResolvConf, "nameserver 127.0.0.1\n");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The private resolv.conf netstack reads as the host's: it names the test's resolver on 127.0.0.1.</summary>
    public string ResolvConf => Path.Combine(Directory.FullName, "resolv.conf");

    /// <summary>Adds an object (a server) that is disposed with the world.</summary>
    public T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>
    /// The command line of <c>netstack run</c> in the host namespace: in a mount namespace of its own where
    /// /etc/resolv.conf is the world's (so the DNS address leads to the test's resolver, never the machine's).
    /// </summary>
    public string[] NetstackRunLine(params string[] runArgs) => NetstackProcess.CommandLine(
        ["unshare", "--mount", "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && ns=\"$1\" && shift && exec nsenter --net=\"$ns\" \"$@\"", ResolvConf, HostNsPath],
        ["run", .. runArgs]);

    /// <summary>Runs <c>netstack run RUNARGS</c> to the end.</summary>
    public ProcessRunner.Result Run(TimeSpan timeout, params string[] runArgs)
    {
        string[] line = NetstackRunLine(runArgs);
        return ProcessRunner.Run(timeout, null, line[0], line[1..]);
    }

    /// <summary>
    /// Runs CMD inside <c>netstack run</c> (the world's addresses plus <paramref name="runOptions"/>), logs the result
    /// to the test output, and checks that it ended with 0 and netstack complained of nothing.
    /// </summary>
    public ProcessRunner.Result RunInside(ITestOutputHelper output, string[] runOptions, params string[] command)
    {
        ArgumentNullException.ThrowIfNull(output);
        ProcessRunner.Result result = Run(TimeSpan.FromSeconds(180), [.. Addresses, .. runOptions, "--", .. command]);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(RunCommandTests.Complaints(result));
        return result;
    }

    /// <summary>A script of the tests' Scripts folder (copied next to the test assembly).</summary>
    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Scripts", name);

    /// <summary>The first output line that starts with <paramref name="prefix"/>.</summary>
    public static string Line(ProcessRunner.Result result, string prefix)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no line starting with '{prefix}': {result}");
    }

    /// <summary>Waits until something accepts TCP connections on <paramref name="port"/> of the host namespace's 127.0.0.1 (or ::1).</summary>
    public void WaitForHostPort(int port, TimeSpan timeout, bool v6 = false)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using Socket probe = HostSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Connect(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port));
                return;
            }
            catch (SocketException) when (clock.Elapsed < timeout)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Starts <c>netstack run RUNARGS</c> in the background (killed with the world).</summary>
    public Process StartRun(params string[] runArgs)
    {
        string[] line = NetstackRunLine(runArgs);
        return Track(ProcessRunner.Start(line[0], line[1..]));
    }

    /// <summary>Starts a program in the host namespace (killed with the world).</summary>
    public Process StartInHost(string program, params string[] args) =>
        Track(ProcessRunner.Start("nsenter", ["--net=" + HostNsPath, program, .. args]));

    /// <summary>Starts a program in the remote namespace (killed with the world).</summary>
    public Process StartInRemote(string program, params string[] args) =>
        Track(ProcessRunner.Start("nsenter", ["--net=" + RemoteNsPath, program, .. args]));

    public ProcessRunner.Result RunInHost(string program, params string[] args) =>
        ProcessRunner.Run(ProcessRunner.DefaultTimeout, null, "nsenter", ["--net=" + HostNsPath, program, .. args]);

    public ProcessRunner.Result RunInRemote(string program, params string[] args) =>
        ProcessRunner.Run(ProcessRunner.DefaultTimeout, null, "nsenter", ["--net=" + RemoteNsPath, program, .. args]);

    /// <summary>A socket created in the host namespace.</summary>
    public Socket HostSocket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        NetworkNamespaceSockets.Create(HostNsPath, () => new Socket(family, type, protocol));

    /// <summary>A port of the host namespace's loopback that nothing listens on (bound, then released).</summary>
    public int FreeHostPort(bool v6, SocketType type = SocketType.Stream)
    {
        using Socket probe = HostSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        probe.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Waits for a line of a started program's output that contains <paramref name="text"/> (its "ready" line).</summary>
    public static string WaitForLine(Process process, string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            Task<string?> line = process.StandardOutput.ReadLineAsync();
            if (!line.Wait(timeout - deadline.Elapsed))
            {
                break;
            }
            if (line.Result is null)
            {
                throw new InvalidOperationException($"the program ended before printing '{text}': {process.StandardError.ReadToEnd()}");
            }
            if (line.Result.Contains(text, StringComparison.Ordinal))
            {
                return line.Result;
            }
        }
        throw new TimeoutException($"no line with '{text}' within {timeout}");
    }

    private Process Track(Process process)
    {
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (Process process in _processes)
        {
            ProcessRunner.Kill(process);
            process.Dispose();
        }
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }
        // Deleting a namespace deletes its end of the veth, and the peer with it.
        if (File.Exists(HostNsPath))
        {
            ProcessRunner.Run("ip", "netns", "del", HostNs);
        }
        if (File.Exists(RemoteNsPath))
        {
            ProcessRunner.Run("ip", "netns", "del", RemoteNs);
        }
        Directory.Delete(recursive: true);
    }
}
