using System.Collections.Frozen;
using System.Runtime.InteropServices;
using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// System call numbers by name for each <see cref="SeccompArchitecture"/>: the calls the forwarder's sandbox denies,
/// clone and clone3 (whose use it restricts), and the few a sandbox check makes. A call an architecture does not have
/// (iopl on arm64) is simply absent there.
/// </summary>
/// <remarks>
/// From the kernel's uapi headers: arch/x86/entry/syscalls/syscall_64.tbl (Debian's asm/unistd_64.h) and
/// include/uapi/asm-generic/unistd.h for arm64. A number, once given, never changes (it is ABI).
/// </remarks>
internal static class SystemCallTable
{
    private static readonly FrozenDictionary<string, int> X86_64 = new Dictionary<string, int>
    {
        ["getpid"] = 39,
        ["clone"] = 56,
        ["execve"] = 59,
        ["ptrace"] = 101,
        ["syslog"] = 103,
        ["uselib"] = 134,
        ["personality"] = 135,
        ["vhangup"] = 153,
        ["pivot_root"] = 155,
        ["chroot"] = 161,
        ["acct"] = 163,
        ["settimeofday"] = 164,
        ["mount"] = 165,
        ["umount2"] = 166,
        ["swapon"] = 167,
        ["swapoff"] = 168,
        ["reboot"] = 169,
        ["sethostname"] = 170,
        ["setdomainname"] = 171,
        ["iopl"] = 172,
        ["ioperm"] = 173,
        ["init_module"] = 175,
        ["delete_module"] = 176,
        ["quotactl"] = 179,
        ["lookup_dcookie"] = 212,
        ["clock_settime"] = 227,
        ["kexec_load"] = 246,
        ["add_key"] = 248,
        ["request_key"] = 249,
        ["keyctl"] = 250,
        ["unshare"] = 272,
        ["perf_event_open"] = 298,
        ["name_to_handle_at"] = 303,
        ["open_by_handle_at"] = 304,
        ["clock_adjtime"] = 305,
        ["setns"] = 308,
        ["process_vm_readv"] = 310,
        ["process_vm_writev"] = 311,
        ["kcmp"] = 312,
        ["finit_module"] = 313,
        ["seccomp"] = 317,
        ["kexec_file_load"] = 320,
        ["bpf"] = 321,
        ["execveat"] = 322,
        ["userfaultfd"] = 323,
        ["open_tree"] = 428,
        ["move_mount"] = 429,
        ["fsopen"] = 430,
        ["fsconfig"] = 431,
        ["fsmount"] = 432,
        ["fspick"] = 433,
        ["clone3"] = 435,
        ["pidfd_getfd"] = 438,
        ["mount_setattr"] = 442,
        ["quotactl_fd"] = 443,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> Aarch64 = new Dictionary<string, int>
    {
        ["lookup_dcookie"] = 18,
        ["umount2"] = 39,
        ["mount"] = 40,
        ["pivot_root"] = 41,
        ["chroot"] = 51,
        ["vhangup"] = 58,
        ["quotactl"] = 60,
        ["acct"] = 89,
        ["personality"] = 92,
        ["unshare"] = 97,
        ["kexec_load"] = 104,
        ["init_module"] = 105,
        ["delete_module"] = 106,
        ["clock_settime"] = 112,
        ["syslog"] = 116,
        ["ptrace"] = 117,
        ["reboot"] = 142,
        ["sethostname"] = 161,
        ["setdomainname"] = 162,
        ["settimeofday"] = 170,
        ["getpid"] = 172,
        ["add_key"] = 217,
        ["request_key"] = 218,
        ["keyctl"] = 219,
        ["clone"] = 220,
        ["execve"] = 221,
        ["swapon"] = 224,
        ["swapoff"] = 225,
        ["perf_event_open"] = 241,
        ["name_to_handle_at"] = 264,
        ["open_by_handle_at"] = 265,
        ["clock_adjtime"] = 266,
        ["setns"] = 268,
        ["process_vm_readv"] = 270,
        ["process_vm_writev"] = 271,
        ["kcmp"] = 272,
        ["finit_module"] = 273,
        ["seccomp"] = 277,
        ["bpf"] = 280,
        ["execveat"] = 281,
        ["userfaultfd"] = 282,
        ["kexec_file_load"] = 294,
        ["open_tree"] = 428,
        ["move_mount"] = 429,
        ["fsopen"] = 430,
        ["fsconfig"] = 431,
        ["fsmount"] = 432,
        ["fspick"] = 433,
        ["clone3"] = 435,
        ["pidfd_getfd"] = 438,
        ["mount_setattr"] = 442,
        ["quotactl_fd"] = 443,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The architecture of this process, or <see cref="PlatformNotSupportedException"/> for one without a table.</summary>
    public static SeccompArchitecture Host => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => SeccompArchitecture.X86_64,
        Architecture.Arm64 => SeccompArchitecture.Aarch64,
        Architecture other => throw new PlatformNotSupportedException($"no seccomp system call table for {other} (known: x64, arm64)"),
    };

    /// <summary>The numbers by name for <paramref name="architecture"/>.</summary>
    public static IReadOnlyDictionary<string, int> For(SeccompArchitecture architecture) => architecture switch
    {
        SeccompArchitecture.X86_64 => X86_64,
        SeccompArchitecture.Aarch64 => Aarch64,
        _ => throw new PlatformNotSupportedException($"no seccomp system call table for {architecture}"),
    };

    /// <summary>The AUDIT_ARCH_* value the kernel puts in <c>seccomp_data.arch</c> for a call made in <paramref name="architecture"/>'s ABI.</summary>
    public static uint AuditArchitecture(SeccompArchitecture architecture) => architecture switch
    {
        SeccompArchitecture.X86_64 => Seccomp.AUDIT_ARCH_X86_64,
        SeccompArchitecture.Aarch64 => Seccomp.AUDIT_ARCH_AARCH64,
        _ => throw new PlatformNotSupportedException($"no audit architecture known for {architecture}"),
    };

    /// <summary>Whether any architecture has a call named <paramref name="name"/> (a typo in a deny list is an error, not a no-op).</summary>
    public static bool IsKnown(string name) => X86_64.ContainsKey(name) || Aarch64.ContainsKey(name);

    /// <summary>The number of <paramref name="name"/> on this process's architecture (for a check that makes the call itself).</summary>
    public static int HostNumber(string name) =>
        For(Host).TryGetValue(name, out int number) ? number : throw new ArgumentException($"no system call '{name}' on {Host}", nameof(name));
}
