using System.Diagnostics;
using System.Globalization;
using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests;

/// <summary>
/// <c>netstack run</c> and <c>netstack attach</c> as a user runs them (the built CLI as a child process, as root).
/// Traffic goes only to the gateway inside the namespaces the commands and tests create (our stack answers echo
/// for its own address, so ping works whatever the forwarder does). Every test cleans up in a finally.
/// </summary>
public class RunCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Addresses of our own choosing, so the tests do not depend on what the host's networks make the defaults.
    private static readonly string[] Addresses = ["--address", "10.77.0.100/24", "--address", "fd77::100/64"];

    private static ProcessRunner.Result Run(params string[] args) => NetstackProcess.Run([], ["run", .. args]);

    /// <summary>
    /// Standard error without the one note a host that forbids ping sockets (net.ipv4.ping_group_range) draws: that
    /// pings to other hosts are not carried.
    /// </summary>
    internal static string[] Complaints(ProcessRunner.Result result) =>
        [.. result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("run: pings to other hosts", StringComparison.Ordinal))];

    [RequiresRootAndTunFact]
    public void Exit_status_passes_through()
    {
        ProcessRunner.Result result = Run("--", "sh", "-c", "exit 7");
        Assert.True(result.ExitCode == 7, result.ToString());
        Assert.Empty(Complaints(result));
    }

    [RequiresRootAndTunFact("ping")]
    public void Inside_the_namespace_has_addresses_mtu_routes_resolv_conf_and_reaches_the_gateway()
    {
        string hostResolvConf = File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "";
        ProcessRunner.Result result = Run([.. Addresses, "--verbose", "--",
            "sh", "-c", "ip -o addr; ip -o link; ip route; ip -6 route; cat /etc/resolv.conf; " +
            "ping -c1 -W2 10.77.0.2 >/dev/null && ping -6 -c1 -W2 fd77::2 >/dev/null && echo PINGS-OK"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("inet 10.77.0.100/24", result.Output, StringComparison.Ordinal);
        Assert.Contains("inet6 fd77::100/64", result.Output, StringComparison.Ordinal);
        Assert.Contains("mtu 65520", result.Output, StringComparison.Ordinal);
        Assert.Contains("default via 10.77.0.2", result.Output, StringComparison.Ordinal);
        Assert.Contains("default via fd77::2", result.Output, StringComparison.Ordinal);
        Assert.Contains("nameserver 10.77.0.3", result.Output, StringComparison.Ordinal);
        Assert.Contains("nameserver fd77::3", result.Output, StringComparison.Ordinal);
        Assert.Contains("PINGS-OK", result.Output, StringComparison.Ordinal);
        Assert.Contains("run: IPv4: address 10.77.0.100/24, gateway 10.77.0.2, DNS 10.77.0.3", result.Error, StringComparison.Ordinal);
        Assert.Contains("run: IPv6: address fd77::100/64, gateway fd77::2, DNS fd77::3", result.Error, StringComparison.Ordinal);
        // The resolv.conf mount was private to the namespace's mount namespace.
        Assert.Equal(hostResolvConf, File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "");
    }

    [RequiresRootAndTunFact]
    public void A_missing_command_is_one_line_and_127_like_a_shell()
    {
        ProcessRunner.Result result = Run([.. Addresses, "--", "/nonexistent/program"]);
        Assert.True(result.ExitCode == 127, result.ToString());
        Assert.Single(Complaints(result));
        Assert.Contains("/nonexistent/program", result.Error, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact]
    public void A_setup_failure_after_the_namespace_exists_is_one_line_and_the_command_never_runs()
    {
        ProcessRunner.Result result = Run([.. Addresses, "--pcap", "/nonexistent-dir/x.pcap", "--", "echo", "should-not-run"]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("capture", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("should-not-run", result.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact]
    public void Attach_to_something_that_is_no_namespace_is_one_line_and_exit_1()
    {
        ProcessRunner.Result result = NetstackProcess.Run([], "attach", "--netns", "/etc/hostname");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/etc/hostname", result.Error, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact]
    public void Nothing_remains_after_the_command_ends()
    {
        string[] tempBefore = TempDirectories();
        ProcessRunner.Result result = Run([.. Addresses, "--", "sh", "-c", "echo $$; readlink /proc/self/ns/net"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int commandPid = int.Parse(lines[0], CultureInfo.InvariantCulture);
        string netns = lines[1];

        Assert.False(Directory.Exists($"/proc/{commandPid}"), $"the command's process {commandPid} remains");
        // No process holds the namespace, so it is gone, and the TUN device, which never left it, with it. (Host
        // links are not compared before and after: other test runs on the machine create and delete their own.)
        Assert.DoesNotContain(netns, NetworkNamespacesInUse());
        Assert.Empty(TempDirectories().Except(tempBefore));
    }

    [RequiresRootAndTunTheory]
    [InlineData("TERM", 15)]
    [InlineData("HUP", 1)]
    [InlineData("INT", 2)]
    public void A_signal_is_forwarded_to_the_command_and_its_status_returned(string signal, int number)
    {
        using Process netstack = NetstackProcess.Start([], ["run", .. Addresses, "--", "sh", "-c", "echo ready; exec sleep 30"]);
        try
        {
            Assert.Equal("ready", NetstackProcess.ReadLine(netstack, Timeout));
            NetstackProcess.Signal(netstack, signal);
            Assert.True(netstack.WaitForExit(TimeSpan.FromSeconds(10)), $"netstack did not end after SIG{signal}");
            Assert.Equal(128 + number, netstack.ExitCode);
        }
        finally
        {
            ProcessRunner.Kill(netstack);
        }
    }

    [RequiresRootAndTunFact]
    public void As_root_the_forwarder_holds_no_capabilities()
    {
        // The command's parent is the forwarder (the command is the helper, the forwarder's child).
        ProcessRunner.Result result = Run([.. Addresses, "--", "sh", "-c", "grep ^Cap /proc/$PPID/status"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("CapEff:\t0000000000000000", result.Output, StringComparison.Ordinal);
        Assert.Contains("CapPrm:\t0000000000000000", result.Output, StringComparison.Ordinal);
        Assert.Contains("CapBnd:\t0000000000000000", result.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact]
    public void A_forward_below_1024_keeps_only_CAP_NET_BIND_SERVICE()
    {
        ProcessRunner.Result result = Run([.. Addresses, "-t", "127.0.0.1/80:8080", "--", "sh", "-c", "grep ^Cap /proc/$PPID/status"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("CapEff:\t0000000000000400", result.Output, StringComparison.Ordinal);
        Assert.Contains("CapBnd:\t0000000000000400", result.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact("ping")]
    public void Attach_serves_an_existing_namespace_until_it_is_deleted()
    {
        string ns = "nsrun" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        ProcessRunner.Check("ip", "netns", "add", ns);
        Process? netstack = null;
        try
        {
            netstack = NetstackProcess.Start([], ["attach", "--netns", "/run/netns/" + ns, "--address", "10.78.0.100/24", "--address", "fd78::100/64"]);
            // The ready line comes after the helper has configured everything (addresses, up, routes).
            Assert.StartsWith("attach: serving tun0", NetstackProcess.ReadLine(netstack, Timeout), StringComparison.Ordinal);
            Assert.Contains("10.78.0.100/24", ProcessRunner.Check("ip", "-n", ns, "-o", "addr").Output, StringComparison.Ordinal);
            ProcessRunner.Result ping = ProcessRunner.Run("ip", "netns", "exec", ns, "ping", "-c1", "-W2", "10.78.0.2");
            Assert.True(ping.ExitCode == 0, ping.ToString());
            ProcessRunner.Result ping6 = ProcessRunner.Run("ip", "netns", "exec", ns, "ping", "-6", "-c1", "-W2", "fd78::2");
            Assert.True(ping6.ExitCode == 0, ping6.ToString());
            Assert.Contains("CapEff:\t0000000000000000", File.ReadAllText($"/proc/{netstack.Id}/status"), StringComparison.Ordinal);

            ProcessRunner.Check("ip", "netns", "del", ns);
            Assert.True(netstack.WaitForExit(TimeSpan.FromSeconds(10)), "netstack attach did not end when the namespace was deleted");
            Assert.True(netstack.ExitCode == 0, netstack.StandardError.ReadToEnd());
        }
        finally
        {
            if (netstack is not null)
            {
                ProcessRunner.Kill(netstack);
                netstack.Dispose();
            }
            if (File.Exists("/run/netns/" + ns))
            {
                ProcessRunner.Run("ip", "netns", "del", ns);
            }
        }
    }

    [RequiresRootAndTunFact]
    public void Attach_ends_with_0_on_SIGTERM_and_removes_its_device()
    {
        string ns = "nsrunt" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        ProcessRunner.Check("ip", "netns", "add", ns);
        Process? netstack = null;
        try
        {
            netstack = NetstackProcess.Start([], ["attach", "--netns", "/run/netns/" + ns, "--address", "10.80.0.100/24", "--address", "fd80::100/64"]);
            Assert.StartsWith("attach: serving tun0", NetstackProcess.ReadLine(netstack, Timeout), StringComparison.Ordinal);
            Assert.Contains("tun0", ProcessRunner.Check("ip", "-n", ns, "-o", "link").Output, StringComparison.Ordinal);
            NetstackProcess.Signal(netstack, "TERM");
            Assert.True(netstack.WaitForExit(TimeSpan.FromSeconds(10)), "netstack attach did not end after SIGTERM");
            Assert.True(netstack.ExitCode == 0, netstack.StandardError.ReadToEnd());
            // The device lived as long as our descriptor; the namespace itself stays (it was the user's).
            Assert.DoesNotContain("tun0", ProcessRunner.Check("ip", "-n", ns, "-o", "link").Output, StringComparison.Ordinal);
        }
        finally
        {
            if (netstack is not null)
            {
                ProcessRunner.Kill(netstack);
                netstack.Dispose();
            }
            ProcessRunner.Run("ip", "netns", "del", ns);
        }
    }

    [RequiresRootAndTunTheory("ping", "unshare")]
    [InlineData(false)]
    [InlineData(true)] // a rootless container's namespace: owned by another user namespace, entered with nsenter --user
    public void Attach_by_pid_serves_the_process_namespace_until_it_exits(bool ownUserNamespace)
    {
        using Process target = ProcessRunner.Start("unshare", [.. ownUserNamespace ? new[] { "--user", "--map-root-user" } : [], "--net", "sleep", "60"]);
        Process? netstack = null;
        try
        {
            string netns = $"/proc/{target.Id}/ns/net";
            var deadline = Stopwatch.StartNew();
            while (new FileInfo(netns).LinkTarget == new FileInfo("/proc/self/ns/net").LinkTarget)
            {
                Assert.True(deadline.Elapsed < Timeout, "unshare never entered its namespace");
                Thread.Sleep(20);
            }
            netstack = NetstackProcess.Start([], ["attach", "--pid", target.Id.ToString(CultureInfo.InvariantCulture), "--address", "10.79.0.100/24", "--address", "fd79::100/64"]);
            Assert.StartsWith("attach: serving tun0", NetstackProcess.ReadLine(netstack, Timeout), StringComparison.Ordinal);
            Assert.Contains("10.79.0.100/24", ProcessRunner.Check("nsenter", "--net=" + netns, "ip", "-o", "addr").Output, StringComparison.Ordinal);
            ProcessRunner.Result ping = ProcessRunner.Run("nsenter", "--net=" + netns, "ping", "-c1", "-W2", "10.79.0.2");
            Assert.True(ping.ExitCode == 0, ping.ToString());

            ProcessRunner.Kill(target);
            Assert.True(netstack.WaitForExit(TimeSpan.FromSeconds(10)), "netstack attach did not end when the process exited");
            Assert.True(netstack.ExitCode == 0, netstack.StandardError.ReadToEnd());
        }
        finally
        {
            ProcessRunner.Kill(target);
            if (netstack is not null)
            {
                ProcessRunner.Kill(netstack);
                netstack.Dispose();
            }
        }
    }

    [RequiresRootAndTunFact("setpriv")]
    public void Unprivileged_either_works_rootless_or_fails_with_one_line_naming_the_cause()
    {
        // nobody: no capabilities. Where /dev/net/tun or user namespaces are closed to such users, one line and exit 1.
        string[] line = NetstackProcess.CommandLine(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp"],
            ["run", .. Addresses, "--", "sh", "-c", "exit 5"]);
        ProcessRunner.Result result = ProcessRunner.Run(Timeout, null, line[0], line[1..]);
        if (result.ExitCode == 5)
        {
            return; // rootless works here
        }
        Assert.True(result.ExitCode == 1, result.ToString());
        string[] errors = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errors);
        Assert.Matches("/dev/net/tun|namespace", errors[0]);
    }

    [RequiresRootAndTunFact("setpriv", "unshare", "mknod", "ping")]
    public void Rootless_as_an_unprivileged_user_with_a_usable_tun_device()
    {
        // /dev/net/tun is often root-only (0600); give an unprivileged user a 0666 node of the same device in a
        // private mount namespace (the host's node is untouched), then run as nobody: a user namespace, no re-exec.
        DirectoryInfo dev = Directory.CreateTempSubdirectory("nsrun-dev-");
        try
        {
            string script = "mount -t tmpfs tmpfs \"$0\" && mknod -m 666 \"$0/tun\" c 10 200 && mount --bind \"$0/tun\" /dev/net/tun && " +
                "exec setpriv --reuid 65534 --regid 65534 --clear-groups -- env HOME=/tmp DOTNET_CLI_HOME=/tmp \"$@\"";
            string[] netstack = NetstackProcess.CommandLine([], ["run", .. Addresses, "--",
                "sh", "-c", "id -u; ip -o addr; cat /etc/resolv.conf; ping -c1 -W2 10.77.0.2 >/dev/null && echo PING-OK; grep ^CapEff /proc/$PPID/status; exit 9"]);
            ProcessRunner.Result result = ProcessRunner.Run(Timeout, null, "unshare", ["--mount", "sh", "-c", script, dev.FullName, .. netstack]);
            Assert.True(result.ExitCode == 9, result.ToString());
            Assert.StartsWith("0\n", result.Output, StringComparison.Ordinal); // root inside its user namespace
            Assert.Contains("inet 10.77.0.100/24", result.Output, StringComparison.Ordinal);
            Assert.Contains("nameserver 10.77.0.3", result.Output, StringComparison.Ordinal);
            Assert.Contains("PING-OK", result.Output, StringComparison.Ordinal);
            Assert.Contains("CapEff:\t0000000000000000", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            dev.Delete(recursive: true);
        }
    }

    private static string[] TempDirectories() =>
        Directory.GetDirectories(Path.GetTempPath(), "netstack-run-*");

    private static HashSet<string> NetworkNamespacesInUse()
    {
        var set = new HashSet<string>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                if (new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget is string link)
                {
                    set.Add(link);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a process that ended meanwhile
            }
        }
        return set;
    }
}
