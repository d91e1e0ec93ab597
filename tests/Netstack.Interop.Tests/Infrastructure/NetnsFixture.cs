using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Netstack.Link;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>
/// A private network namespace with a TUN device in it, the kernel on one side and this process (through
/// <see cref="Link"/>) on the other:
/// <code>
///   namespace ns-nst-PID-N:  DEV 10.9.N.1/24, fd00:9::1/64 (kernel)  --TUN fd-->  Link (this process, 10.9.N.2, fd00:9::2)
/// </code>
/// The device is created in this process's namespace and moved (<c>ip link set DEV netns NS</c>); its descriptors
/// stay valid. <see cref="Dispose"/> closes the link (a non-persistent device vanishes with its last descriptor)
/// and deletes the namespace, each step attempted even when an earlier one failed. Namespaces and devices left by
/// a crashed earlier run (named after a PID that no longer exists) are removed on first use.
/// </summary>
public sealed partial class NetnsFixture : IDisposable
{
    private static int s_counter;
    private static int s_sweptStale;

    private readonly List<string> _cleanupErrors = [];
    private readonly List<System.Diagnostics.Process> _processes = [];
    private bool _namespaceCreated;
    private bool _disposed;

    private NetnsFixture(int n)
    {
        Number = n;
        Namespace = $"ns-nst-{Environment.ProcessId}-{n}";
        DeviceName = $"nst{Environment.ProcessId}t{n}";
        int x = n % 250;
        KernelV4 = IPAddress.Parse($"10.9.{x}.1");
        StackV4 = IPAddress.Parse($"10.9.{x}.2");
    }

    public int Number { get; }

    public string Namespace { get; }

    public string DeviceName { get; }

    /// <summary>The kernel's address on the device (10.9.N.1/24).</summary>
    public IPAddress KernelV4 { get; }

    /// <summary>The address the other end (the stack under test) uses (10.9.N.2).</summary>
    public IPAddress StackV4 { get; }

    public IPAddress KernelV6 { get; } = IPAddress.Parse("fd00:9::1");

    public IPAddress StackV6 { get; } = IPAddress.Parse("fd00:9::2");

    public const int PrefixLengthV4 = 24;

    public const int PrefixLengthV6 = 64;

    /// <summary>The TUN link to the device.</summary>
    public TunLink Link { get; private set; } = null!;

    /// <summary>Creates the namespace, opens a TUN device with <paramref name="options"/>, moves it in and configures the kernel side.</summary>
    public static NetnsFixture Create(TunLinkOptions? options = null)
    {
        SweepStale();
        var fixture = new NetnsFixture(Interlocked.Increment(ref s_counter));
        try
        {
            fixture.CreateNamespace();
            fixture.Link = new TunLink(fixture.DeviceName, options);
            fixture.MoveDeviceIn();
            return fixture;
        }
        catch
        {
            fixture.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates only the namespace, for a device some other process creates inside it (e.g. <c>netstack echo</c> run
    /// with <see cref="ExecPrefix"/>); call <see cref="ConfigureKernelSide"/> once the device exists.
    /// </summary>
    public static NetnsFixture CreateEmpty()
    {
        SweepStale();
        var fixture = new NetnsFixture(Interlocked.Increment(ref s_counter));
        try
        {
            fixture.CreateNamespace();
            return fixture;
        }
        catch
        {
            fixture.Dispose();
            throw;
        }
    }

    /// <summary>The command prefix that runs a program inside the namespace.</summary>
    public string[] ExecPrefix => ["ip", "netns", "exec", Namespace];

    /// <summary>A fresh device name for tests that create devices themselves ("nst{pid}{kind}{n}"); swept like the fixture's own when stale.</summary>
    public static string NewDeviceName(char kind = 'p')
    {
        SweepStale();
        return $"nst{Environment.ProcessId}{kind}{Interlocked.Increment(ref s_counter)}";
    }

    private void CreateNamespace()
    {
        ProcessRunner.Check("ip", "netns", "add", Namespace);
        _namespaceCreated = true;
        Ip("link", "set", "lo", "up");
    }

    private void MoveDeviceIn()
    {
        ProcessRunner.Check("ip", "link", "set", DeviceName, "netns", Namespace);
        ConfigureKernelSide();
    }

    /// <summary>Gives the kernel its addresses on the device (already in the namespace) and brings it up.</summary>
    public void ConfigureKernelSide()
    {
        // Keep the kernel quiet on the link: no router solicitations or DAD delays in the tests' way.
        Exec("sysctl", "-q", "-w", $"net.ipv6.conf.{DeviceName}.accept_ra=0");
        Exec("sysctl", "-q", "-w", $"net.ipv6.conf.{DeviceName}.router_solicitations=0");
        Ip("addr", "add", $"{KernelV4}/{PrefixLengthV4}", "dev", DeviceName);
        Ip("-6", "addr", "add", $"{KernelV6}/{PrefixLengthV6}", "dev", DeviceName, "nodad");
        Ip("link", "set", DeviceName, "up");
    }

    /// <summary>Runs <c>ip -n NS args</c> and throws on failure.</summary>
    public ProcessRunner.Result Ip(params string[] args) => ProcessRunner.Check("ip", ["-n", Namespace, .. args]);

    /// <summary>Runs a program inside the namespace (<c>ip netns exec NS program args</c>).</summary>
    public ProcessRunner.Result Exec(string program, params string[] args) =>
        ProcessRunner.Run("ip", ["netns", "exec", Namespace, program, .. args]);

    /// <summary>A TcpExt counter of the namespace's kernel (<c>/proc/net/netstat</c> is per network namespace).</summary>
    public long KernelTcpExtCounter(string name) => KernelNetstatCounter("TcpExt", name);

    /// <summary>A counter of the namespace's kernel from <c>/proc/net/netstat</c>, by section (<c>TcpExt</c>, <c>IpExt</c>) and name.</summary>
    public long KernelNetstatCounter(string section, string name)
    {
        string[] lines = Exec("cat", "/proc/net/netstat").Output.Split('\n');
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            string[] names = lines[i].Split(' ');
            string[] values = lines[i + 1].Split(' ');
            int j = Array.IndexOf(names, name);
            if (names[0] == section + ":" && j > 0 && j < values.Length)
            {
                return long.Parse(values[j], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no {section} {name} in /proc/net/netstat");
    }

    /// <summary>Runs a program inside the namespace with a timeout and standard input.</summary>
    public ProcessRunner.Result Exec(TimeSpan timeout, byte[]? input, string program, params string[] args) =>
        ProcessRunner.Run(timeout, input, "ip", ["netns", "exec", Namespace, program, .. args]);

    /// <summary>Starts a program inside the namespace; it is killed (by PID) in <see cref="Dispose"/> if still running.</summary>
    public Process Start(string program, params string[] args) =>
        Track(ProcessRunner.Start("ip", ["netns", "exec", Namespace, program, .. args]));

    /// <summary>Has <see cref="Dispose"/> kill <paramref name="process"/> (by its PID) if it is still running, before the namespace goes.</summary>
    public Process Track(Process process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>Reads an interface attribute (mtu, flags, ...) from sysfs inside the namespace.</summary>
    public string ReadDeviceAttribute(string attribute) =>
        Exec("cat", $"/sys/class/net/{DeviceName}/{attribute}").Output.Trim();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Attempt("dispose the TUN link", () => Link?.Dispose());
        foreach (System.Diagnostics.Process process in _processes)
        {
            Attempt("stop a process", () => ProcessRunner.Kill(process));
        }
        if (_namespaceCreated)
        {
            Attempt("delete the namespace", () => ProcessRunner.Check("ip", "netns", "del", Namespace));
        }
        // A device still in our namespace (the move failed) goes away with its descriptor, unless persistent.
        if (ProcessRunner.Run("ip", "link", "show", DeviceName).ExitCode == 0)
        {
            Attempt("delete the device", () => ProcessRunner.Check("ip", "link", "del", DeviceName));
        }
        if (_cleanupErrors.Count > 0)
        {
            throw new InvalidOperationException("cleanup failed: " + string.Join("; ", _cleanupErrors));
        }
    }

    private void Attempt(string what, Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // Cleanup must try every step; failures are reported together at the end.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _cleanupErrors.Add($"{what}: {e.Message}");
        }
    }

    /// <summary>Removes namespaces and devices named after test processes that no longer exist (left by a crash or a kill).</summary>
    private static void SweepStale()
    {
        if (Interlocked.Exchange(ref s_sweptStale, 1) != 0)
        {
            return;
        }
        foreach (Match m in StaleNamespace().Matches(ProcessRunner.Run("ip", "netns", "list").Output))
        {
            if (!IsAlive(m.Groups[2].Value))
            {
                ProcessRunner.Run("ip", "netns", "del", m.Groups[1].Value);
            }
        }
        foreach (Match m in StaleDevice().Matches(ProcessRunner.Run("ip", "-o", "link", "show").Output))
        {
            if (!IsAlive(m.Groups[2].Value))
            {
                ProcessRunner.Run("ip", "link", "del", m.Groups[1].Value);
            }
        }
    }

    private static bool IsAlive(string pid) =>
        int.Parse(pid, CultureInfo.InvariantCulture) == Environment.ProcessId || Directory.Exists("/proc/" + pid);

    [GeneratedRegex(@"^(ns-nst-(\d+)-\d+)\b", RegexOptions.Multiline)]
    private static partial Regex StaleNamespace();

    [GeneratedRegex(@"^\d+: (nst(\d+)[a-z]\d+)[:@]", RegexOptions.Multiline)]
    private static partial Regex StaleDevice();
}
