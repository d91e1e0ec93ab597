using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Netstack.Cli.Run;
using Netstack.Interop;

namespace Netstack.Cli.Commands;

/// <summary>
/// <c>netstack __sandbox-check</c> (hidden): applies <see cref="ForwarderSandbox"/> to its own process, then reports
/// what it sees, one <c>key value</c> line each: its /proc status, the errno of each forbidden call, whether the
/// allowed calls worked, and how many of its threads are not filtered. Tests run it as a separate process because a
/// seccomp filter cannot be removed: installing one in the test host would confine the test runner.
/// </summary>
internal static class SandboxCheckCommand
{
    /// <summary>The command's name; the leading underscores mark it as a tool for tests, not for users.</summary>
    public const string Name = "__sandbox-check";

    public static Command Create()
    {
        var connect = new Option<int?>("--connect")
        {
            Description = "Connect to 127.0.0.1:PORT (an allowed call), write 'ready', and hold until the peer closes, so it can read /proc/PID/status meanwhile.",
            HelpName = "PORT",
            CustomParser = result => OptionParsers.IntegerInRange("--connect", 1, 65535)(result),
        };
        var baseline = new Option<bool>("--baseline")
        {
            Description = "Do not apply the sandbox (and skip execve): shows what the probes return unconfined.",
        };
        var tsyncConflict = new Option<bool>("--tsync-conflict")
        {
            Description = "First give one thread a seccomp filter of its own, so that the sandbox's TSYNC must fail naming that thread.",
        };
        var command = new Command(Name, "Apply the forwarder's sandbox to this process and report what it denies.")
        {
            connect, baseline, tsyncConflict,
        };
        command.Hidden = true;
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(tsyncConflict))
            {
                StartConflictingThread(output);
            }
            return Run(parseResult.GetValue(connect), parseResult.GetValue(baseline), output);
        });
        return command;
    }

    /// <summary>
    /// Starts a thread that installs an allow-all filter on itself alone (no TSYNC) and then waits. Its filter is not an
    /// ancestor of the one <see cref="ForwarderSandbox.Apply"/> installs, so TSYNC cannot synchronize it (seccomp(2)).
    /// </summary>
    private static void StartConflictingThread(TextWriter output)
    {
        using var installed = new ManualResetEventSlim();
        int threadId = 0;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                threadId = SandboxProbes.CurrentThreadId();
                Prctl.SetNoNewPrivileges(); // this thread only: prctl(2) acts on the calling thread
                Seccomp.SetModeFilter([ClassicBpf.Return(SeccompFilter.AllowAction)], 0);
            }
#pragma warning disable CA1031 // handed to the starting thread, which rethrows it
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
            installed.Set();
            Thread.Sleep(Timeout.Infinite);
        })
        { IsBackground = true, Name = "tsync-conflict" };
        thread.Start();
        installed.Wait();
        if (failure is not null)
        {
            throw new CommandFailedException($"could not set up the TSYNC conflict: {failure.Message}", failure);
        }
        Line(output, "conflict_thread", threadId);
        output.Flush();
    }

    private static int Run(int? connectPort, bool baseline, TextWriter output)
    {
        if (!baseline)
        {
            ForwarderSandbox.Apply();
        }
        var failures = new List<string>();

        ProcessSecurityStatus self = ProcessSecurityStatus.Read(Environment.ProcessId);
        Line(output, "NoNewPrivs", self.NoNewPrivs);
        Line(output, "Seccomp", self.Seccomp);
        Line(output, "Seccomp_filters", self.SeccompFilters?.ToString(CultureInfo.InvariantCulture) ?? "unknown");

        // Forbidden calls, with arguments that do no harm should one get through (see SandboxProbes).
        Forbidden(output, failures, baseline, "unshare", SandboxProbes.Unshare(SandboxProbes.CLONE_NEWNS));
        Forbidden(output, failures, baseline, "mount", SandboxProbes.Mount("none", "/nonexistent/netstack-sandbox-check", "tmpfs"));
        Forbidden(output, failures, baseline, "bpf", SandboxProbes.SystemCall(SystemCallTable.HostNumber("bpf"), 5 /* BPF_PROG_LOAD */, 0, 0));
        Forbidden(output, failures, baseline, "finit_module", SandboxProbes.SystemCall(SystemCallTable.HostNumber("finit_module"), -1, 0, 0));
        Forbidden(output, failures, baseline, "process_vm_readv",
            SandboxProbes.SystemCall(SystemCallTable.HostNumber("process_vm_readv"), Environment.ProcessId, 0, 0, 0, 0, 0));
        Forbidden(output, failures, baseline, "personality", SandboxProbes.SystemCall(SystemCallTable.HostNumber("personality"), unchecked((int)0xffffffff)));
        // clone(CLONE_NEWUSER | CLONE_FS) is invalid (EINVAL before anything is created) where it is allowed, and
        // clone3 with no arguments too; with the sandbox they give EPERM and ENOSYS.
        Forbidden(output, failures, baseline, "clone_newuser",
            SandboxProbes.SystemCall(SystemCallTable.HostNumber("clone"), 0x1000_0000 /* CLONE_NEWUSER */ | 0x200 /* CLONE_FS */));
        Forbidden(output, failures, baseline, "clone3", SandboxProbes.SystemCall(SystemCallTable.HostNumber("clone3"), 0, 0), Errno.ENOSYS);
        if (!baseline)
        {
            output.Flush(); // should execve get through, the process becomes /bin/true: what was printed must be out
            Forbidden(output, failures, baseline, "execve", SandboxProbes.Execve("/bin/true"));
        }

        // Allowed calls: a plain one, a new thread (glibc tries clone3, gets ENOSYS, and uses clone), and the runtime's socket path.
        Allowed(output, failures, "getpid", SandboxProbes.SystemCall(SystemCallTable.HostNumber("getpid")) == 0 ? null : "failed");
        using var release = new ManualResetEventSlim();
        var thread = new Thread(() => release.Wait()) { IsBackground = true, Name = "sandbox-check" };
        Allowed(output, failures, "thread", Try(thread.Start));
        if (connectPort is int port)
        {
            Allowed(output, failures, "connect", Try(() => ConnectAndHold(port)));
        }

        // Every thread, including those started after the filter (the new one above, the socket engine's): all must
        // be in filter mode with no_new_privs, which TSYNC and inheritance give them.
        IReadOnlyList<(int ThreadId, ProcessSecurityStatus Status)> threads = ProcessSecurityStatus.ReadThreads(Environment.ProcessId);
        int notFiltered = threads.Count(t => t.Status.Seccomp != ProcessSecurityStatus.SeccompModeFilter);
        int withoutNoNewPrivs = threads.Count(t => t.Status.NoNewPrivs != 1);
        Line(output, "threads", threads.Count);
        Line(output, "threads_not_filtered", notFiltered);
        Line(output, "threads_without_no_new_privs", withoutNoNewPrivs);
        release.Set();
        output.Flush();

        if (baseline)
        {
            return ExitCodes.Success;
        }
        if (self.NoNewPrivs != 1 || self.Seccomp != ProcessSecurityStatus.SeccompModeFilter || notFiltered != 0 || withoutNoNewPrivs != 0)
        {
            failures.Add("the process or a thread is not in seccomp filter mode with no_new_privs");
        }
        if (failures.Count > 0)
        {
            throw new CommandFailedException("sandbox check failed: " + string.Join("; ", failures));
        }
        return ExitCodes.Success;
    }

    private static void ConnectAndHold(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 60_000 };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        socket.Send("ready\n"u8);
        Span<byte> buffer = stackalloc byte[64];
        while (socket.Receive(buffer) > 0)
        {
        }
    }

#pragma warning disable CA1031 // a check reports any failure of an allowed call as a line, whatever its type
    private static string? Try(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {NetstackCli.OneLine(e.Message)}";
        }
    }
#pragma warning restore CA1031

    private static void Forbidden(TextWriter output, List<string> failures, bool baseline, string call, int errno, int expected = Errno.EPERM)
    {
        // One word per value so a line stays "key value": a symbolic name where Errno knows one, else the number.
        string result = errno == 0 ? "ok" : Errno.Name(errno).Replace("errno ", "", StringComparison.Ordinal);
        Line(output, "forbidden " + call, result);
        if (!baseline && errno != expected)
        {
            failures.Add($"{call} was not denied with {Errno.Name(expected)} ({(errno == 0 ? "it succeeded" : "errno " + result)})");
        }
    }

    private static void Allowed(TextWriter output, List<string> failures, string call, string? failure)
    {
        Line(output, "allowed " + call, failure is null ? "ok" : failure);
        if (failure is not null)
        {
            failures.Add($"{call} failed: {failure}");
        }
    }

    private static void Line(TextWriter output, string key, object value) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key} {value}"));
}
