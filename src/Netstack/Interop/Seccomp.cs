using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>
/// The seccomp(2) system call (glibc has no wrapper, so it goes through <c>syscall</c>) and the kernel ABI constants a
/// filter program needs: the <c>struct seccomp_data</c> layout, the return actions and the audit architecture values.
/// </summary>
internal static unsafe partial class Seccomp
{
    /// <summary>seccomp(2): install the BPF program pointed to by the third argument.</summary>
    public const uint SECCOMP_SET_MODE_FILTER = 1;

    /// <summary>
    /// seccomp(2): install the filter on every thread of the process, not only the calling one; this also sets
    /// no_new_privs on every thread. On failure the call returns the id of the first thread that could not take it.
    /// </summary>
    public const uint SECCOMP_FILTER_FLAG_TSYNC = 1;

    /// <summary>Return action: kill the whole process as by an uncatchable SIGSYS (Linux 4.14 and later).</summary>
    public const uint SECCOMP_RET_KILL_PROCESS = 0x8000_0000;

    /// <summary>Return action: do not run the call; it returns -1 with errno set to the low 16 bits.</summary>
    public const uint SECCOMP_RET_ERRNO = 0x0005_0000;

    /// <summary>Return action: run the call.</summary>
    public const uint SECCOMP_RET_ALLOW = 0x7fff_0000;

    /// <summary>The action bits of a return value (the rest is its data, e.g. the errno).</summary>
    public const uint SECCOMP_RET_ACTION_FULL = 0xffff_0000;

    /// <summary>The data bits of a return value.</summary>
    public const uint SECCOMP_RET_DATA = 0x0000_ffff;

    /// <summary><c>struct seccomp_data</c>: offset of <c>int nr</c>, the system call number.</summary>
    public const uint DataOffsetNumber = 0;

    /// <summary><c>struct seccomp_data</c>: offset of <c>__u32 arch</c>, an AUDIT_ARCH_* value.</summary>
    public const uint DataOffsetArchitecture = 4;

    /// <summary><c>struct seccomp_data</c>: offset of <c>__u64 instruction_pointer</c>.</summary>
    public const uint DataOffsetInstructionPointer = 8;

    /// <summary><c>struct seccomp_data</c>: offset of <c>__u64 args[6]</c>.</summary>
    public const uint DataOffsetArguments = 16;

    /// <summary>The size of <c>struct seccomp_data</c>.</summary>
    public const int DataSize = 64;

    /// <summary>linux/audit.h: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.</summary>
    public const uint AUDIT_ARCH_X86_64 = 0xC000_003E;

    /// <summary>linux/audit.h: EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.</summary>
    public const uint AUDIT_ARCH_AARCH64 = 0xC000_00B7;

    /// <summary>arch/x86/include/uapi/asm/unistd.h: x32 ABI calls carry this bit in their number (and the x86-64 arch value).</summary>
    public const uint X32_SYSCALL_BIT = 0x4000_0000;

    /// <summary>The kernel's limit on the instructions of one filter program (BPF_MAXINSNS).</summary>
    public const int MaxInstructions = 4096;

    // syscall is variadic in C; passing the arguments as fixed integers is correct on x86-64 and arm64.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint arg1, nint arg2, nint arg3);

    /// <summary>The number of the seccomp system call on this process's architecture.</summary>
    public static nint SystemCallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 317,
        Architecture.Arm64 => 277,
        Architecture other => throw new PlatformNotSupportedException($"seccomp: no system call number known for {other}"),
    };

    /// <summary>
    /// Installs <paramref name="program"/> with SECCOMP_SET_MODE_FILTER and <paramref name="flags"/>. Returns 0 on
    /// success, or, with <see cref="SECCOMP_FILTER_FLAG_TSYNC"/>, the id of a thread that could not be synchronized
    /// (nothing was installed then: seccomp(2)). Throws <see cref="SystemCallException"/> when the call fails with an errno.
    /// </summary>
    public static int SetModeFilter(ReadOnlySpan<SockFilter> program, uint flags)
    {
        if (program.IsEmpty || program.Length > MaxInstructions)
        {
            throw new ArgumentException($"a seccomp filter has 1 to {MaxInstructions} instructions, not {program.Length}", nameof(program));
        }
        fixed (SockFilter* instructions = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = instructions };
            nint result = Syscall(SystemCallNumber, (nint)SECCOMP_SET_MODE_FILTER, (nint)flags, (nint)(&fprog));
            if (result < 0)
            {
                int errno = Errno.Last;
                string? hint = errno switch
                {
                    Errno.EACCES => "needs no_new_privs or CAP_SYS_ADMIN",
                    Errno.EINVAL => "the kernel rejected the program or a flag",
                    Errno.ENOSYS => "the kernel has no seccomp filters (CONFIG_SECCOMP_FILTER)",
                    _ => null,
                };
                throw Errno.ToException(errno, "seccomp(SECCOMP_SET_MODE_FILTER)", hint);
            }
            return (int)result;
        }
    }
}
