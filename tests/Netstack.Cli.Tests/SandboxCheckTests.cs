using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Cli.Run;

namespace Netstack.Cli.Tests;

/// <summary>
/// <c>netstack __sandbox-check</c> as a separate process: the forwarder's sandbox on a real multi-threaded .NET process,
/// seen both from inside (what it prints) and from outside (its /proc status while it holds a connection open).
/// The test host itself is never sandboxed: a seccomp filter cannot be removed.
/// </summary>
public class SandboxCheckTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // safety net, not a timing assertion

    private static readonly string[] ForbiddenProbes = ["unshare", "mount", "bpf", "finit_module", "process_vm_readv", "personality", "clone_newuser"];

    /// <summary>Linux with seccomp filters (every kernel this project supports; the reason is shown where not).</summary>
    private static string? SkipReason =>
        !OperatingSystem.IsLinux() ? "needs Linux"
        : !File.ReadAllText("/proc/self/status").Contains("Seccomp:", StringComparison.Ordinal) ? "needs a kernel with seccomp (CONFIG_SECCOMP)"
        : null;

    private static Dictionary<string, string> Parse(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int space = line.LastIndexOf(' ');
            if (space > 0)
            {
                values[line[..space]] = line[(space + 1)..];
            }
        }
        return values;
    }

    [Fact]
    public void The_sandbox_denies_the_forbidden_calls_on_every_thread_and_allows_the_rest()
    {
        if (SkipReason is string reason)
        {
            Assert.Fail("cannot run here: " + reason);
        }
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        using Process process = CliRunner.Start("__sandbox-check", "--connect", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        try
        {
            Task<Socket> accepting = listener.AcceptAsync();
            Assert.True(accepting.Wait(Patience), "the check never connected; stderr: " + (error.IsCompleted ? error.Result : ""));
            using (Socket connection = accepting.Result)
            {
                connection.ReceiveTimeout = (int)Patience.TotalMilliseconds;
                byte[] buffer = new byte[16];
                int received = connection.Receive(buffer);
                Assert.Equal("ready\n", Encoding.ASCII.GetString(buffer, 0, received));

                // From outside, while it is alive: the process and each of its threads.
                ProcessSecurityStatus status = ProcessSecurityStatus.Read(process.Id);
                Assert.Equal(1, status.NoNewPrivs);
                Assert.Equal(ProcessSecurityStatus.SeccompModeFilter, status.Seccomp);
                // One filter more than this test host has (a container runtime may have put one on both).
                int? hostFilters = ProcessSecurityStatus.Read(Environment.ProcessId).SeccompFilters;
                Assert.Equal(hostFilters + 1, status.SeccompFilters);
                IReadOnlyList<(int ThreadId, ProcessSecurityStatus Status)> threads = ProcessSecurityStatus.ReadThreads(process.Id);
                Assert.True(threads.Count >= 3, $"only {threads.Count} threads: the check is meant to run on a multi-threaded process");
                Assert.All(threads, t =>
                {
                    Assert.True(t.Status.Seccomp == ProcessSecurityStatus.SeccompModeFilter, $"thread {t.ThreadId} has Seccomp {t.Status.Seccomp}");
                    Assert.True(t.Status.NoNewPrivs == 1, $"thread {t.ThreadId} has NoNewPrivs {t.Status.NoNewPrivs}");
                });
            } // closing lets the check finish
            Assert.True(process.WaitForExit(Patience), "the check did not exit");
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}; stderr: {error.Result}; stdout: {output.Result}");
        Dictionary<string, string> values = Parse(output.Result);
        Assert.Equal("1", values["NoNewPrivs"]);
        Assert.Equal("2", values["Seccomp"]);
        foreach (string call in ForbiddenProbes.Append("execve"))
        {
            Assert.True(values.TryGetValue("forbidden " + call, out string? result), $"no line for {call}: {output.Result}");
            Assert.True(result == "EPERM", $"{call} gave {result}, expected EPERM");
        }
        Assert.Equal("ENOSYS", values["forbidden clone3"]); // so glibc falls back to clone, whose flags the filter reads
        Assert.Equal("ok", values["allowed getpid"]);
        Assert.Equal("ok", values["allowed thread"]);
        Assert.Equal("ok", values["allowed connect"]);
        Assert.True(int.Parse(values["threads"], System.Globalization.CultureInfo.InvariantCulture) >= 3, output.Result);
        Assert.Equal("0", values["threads_not_filtered"]);
        Assert.Equal("0", values["threads_without_no_new_privs"]);
    }

    [Fact]
    public void Without_the_sandbox_the_probes_are_not_EPERM_so_the_filter_is_what_denies_them()
    {
        if (SkipReason is string reason)
        {
            Assert.Fail("cannot run here: " + reason);
        }
        CliRunner.Result result = CliRunner.RunProcess(Patience, "__sandbox-check", "--baseline");
        Assert.True(result.ExitCode == 0, result.Error);
        Dictionary<string, string> values = Parse(result.Output);
        // Unconfined, the check is as its parent (this test host) is: nothing of the sandbox was set.
        ProcessSecurityStatus host = ProcessSecurityStatus.Read(Environment.ProcessId);
        Assert.Equal(host.Seccomp.ToString(System.Globalization.CultureInfo.InvariantCulture), values["Seccomp"]);
        Assert.Equal(host.NoNewPrivs.ToString(System.Globalization.CultureInfo.InvariantCulture), values["NoNewPrivs"]);
        if (!Environment.IsPrivilegedProcess)
        {
            return; // unprivileged, mount and the others fail with EPERM anyway: only root shows the difference
        }
        foreach (string call in ForbiddenProbes)
        {
            Assert.True(values["forbidden " + call] != "EPERM", $"{call} gives EPERM even without the sandbox: {result.Output}");
        }
        Assert.NotEqual("ENOSYS", values["forbidden clone3"]);
    }

    [Fact]
    public void A_thread_that_cannot_take_the_filter_fails_Apply_with_one_line_naming_it()
    {
        if (SkipReason is string reason)
        {
            Assert.Fail("cannot run here: " + reason);
        }
        CliRunner.Result result = CliRunner.RunProcess(Patience, "__sandbox-check", "--tsync-conflict");
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        string thread = Parse(result.Output)["conflict_thread"];
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains("TSYNC", line, StringComparison.Ordinal);
        Assert.Contains($"thread {thread} ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("forbidden", result.Output, StringComparison.Ordinal); // it stopped at Apply
    }

    [Fact]
    public void The_command_is_not_listed_in_help()
    {
        CliRunner.Result result = CliRunner.RunInProcess("--help");
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("sandbox", result.Output, StringComparison.Ordinal);
    }
}
