using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// Confines the forwarder once its setup is done: sets no_new_privs and installs a seccomp filter, on every thread, that
/// denies (EPERM) the system calls a forwarder never needs and clone with namespace flags (issue 9, "Isolation").
/// </summary>
internal static class ForwarderSandbox
{
    /// <summary>
    /// The denied system calls: running other programs, reading or writing other processes, mounting and changing
    /// root, loading kernel code (modules, BPF, kexec), the kernel keyring, namespaces, and system-wide settings
    /// (clock, host name, swap, accounting, quotas, the kernel log, reboot, I/O ports, personality).
    /// </summary>
    public static IReadOnlyList<string> DeniedSystemCalls { get; } =
    [
        // Running programs: after setup the forwarder never starts one.
        "execve", "execveat", "uselib",
        // Other processes' memory and descriptors.
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
        // The file system tree: mounts, the new mount API, changing root, file handles (which bypass path checks).
        "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsmount", "fsopen", "fsconfig",
        "fspick", "mount_setattr", "name_to_handle_at", "open_by_handle_at",
        // Kernel code.
        "init_module", "finit_module", "delete_module", "bpf", "kexec_load", "kexec_file_load", "perf_event_open",
        // The kernel keyring.
        "keyctl", "add_key", "request_key",
        // Namespaces: the forwarder stays in the ones it was set up in.
        "setns", "unshare",
        // System-wide state.
        "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "iopl", "ioperm", "personality",
        "sethostname", "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "vhangup", "lookup_dcookie",
        // A classic exploit primitive (page-fault handling in user space); the runtime does not use it.
        "userfaultfd",
    ];

    /// <summary>The filter program <see cref="Apply"/> installs, built for <paramref name="architecture"/>.</summary>
    public static SockFilter[] BuildProgram(SeccompArchitecture architecture) =>
        // New namespaces too: denying unshare and setns alone would leave clone(CLONE_NEWUSER | …) open.
        SeccompFilter.Build(architecture, DeniedSystemCalls, denyNewNamespaces: true);

    /// <summary>
    /// Sets no_new_privs (prctl(2) PR_SET_NO_NEW_PRIVS) and installs the deny-list filter with SECCOMP_FILTER_FLAG_TSYNC,
    /// so every thread of the process, existing and future, runs under it (TSYNC also sets no_new_privs on each thread:
    /// seccomp(2)). Cannot be undone. Throws <see cref="CommandFailedException"/> with one line on failure.
    /// </summary>
    public static void Apply()
    {
        SockFilter[] program;
        try
        {
            program = BuildProgram(SystemCallTable.Host);
        }
        catch (PlatformNotSupportedException e)
        {
            throw new CommandFailedException($"sandbox: {e.Message}", e);
        }

        try
        {
            // Without no_new_privs an unprivileged process may not install a filter (EACCES); with it, a filtered
            // process can never exec its way to more privilege.
            Prctl.SetNoNewPrivileges();
        }
        catch (SystemCallException e)
        {
            throw new CommandFailedException($"sandbox: {e.Message}", e);
        }

        int thread;
        try
        {
            thread = Seccomp.SetModeFilter(program, Seccomp.SECCOMP_FILTER_FLAG_TSYNC);
        }
        catch (SystemCallException e)
        {
            throw new CommandFailedException($"sandbox: {e.Message}", e);
        }
        if (thread != 0)
        {
            // seccomp(2): with TSYNC, a positive result is the first thread that could not take the filter (one in
            // another seccomp mode or with a filter not an ancestor of ours); then nothing was installed anywhere.
            throw new CommandFailedException(
                $"sandbox: seccomp TSYNC failed: thread {thread} could not be synchronized (it has a different seccomp filter or mode); no filter was installed");
        }
    }
}
