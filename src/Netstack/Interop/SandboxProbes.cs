using System.Runtime.InteropServices;
using System.Text;

namespace Netstack.Interop;

/// <summary>
/// Raw system calls that a sandbox check makes to prove the seccomp filter denies them. Each returns 0 when the call
/// succeeded and its errno otherwise, and never throws: a check wants the errno, not an exception.
/// </summary>
/// <remarks>
/// The arguments are chosen so that a call the filter lets through anyway does no lasting harm: a mount onto a path
/// that does not exist, a module load from an invalid descriptor. Only <see cref="Execve"/> really acts if allowed
/// (the process becomes <c>/bin/true</c> and its output stops), which a check sees.
/// </remarks>
internal static unsafe partial class SandboxProbes
{
    // syscall is variadic in C; passing the arguments as fixed integers is correct on x86-64 and arm64.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint arg1, nint arg2, nint arg3, nint arg4, nint arg5, nint arg6);

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int UnshareCall(int flags);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true)]
    private static partial int MountCall(byte* source, byte* target, byte* fileSystemType, nuint flags, void* data);

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static partial int ExecveCall(byte* path, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    /// <summary>The kernel's id of the calling thread (gettid(2)), as /proc/PID/task and a seccomp TSYNC failure name it.</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>unshare(2) flag: a new mount namespace.</summary>
    public const int CLONE_NEWNS = 0x0002_0000;

    /// <summary>Calls system call <paramref name="number"/> with up to six integer arguments.</summary>
    public static int SystemCall(nint number, nint arg1 = 0, nint arg2 = 0, nint arg3 = 0, nint arg4 = 0, nint arg5 = 0, nint arg6 = 0) =>
        Syscall(number, arg1, arg2, arg3, arg4, arg5, arg6) < 0 ? Errno.Last : 0;

    /// <summary>unshare(2) with <paramref name="flags"/>.</summary>
    public static int Unshare(int flags) => UnshareCall(flags) < 0 ? Errno.Last : 0;

    /// <summary>mount(2) of <paramref name="fileSystemType"/> from <paramref name="source"/> on <paramref name="target"/>, no flags, no data.</summary>
    public static int Mount(string source, string target, string fileSystemType)
    {
        fixed (byte* s = ToCString(source), t = ToCString(target), f = ToCString(fileSystemType))
        {
            return MountCall(s, t, f, 0, null) < 0 ? Errno.Last : 0;
        }
    }

    /// <summary>execve(2) of <paramref name="path"/> with argv { path } and an empty environment; returns only on failure.</summary>
    public static int Execve(string path)
    {
        fixed (byte* p = ToCString(path))
        {
            byte** argv = stackalloc byte*[2];
            argv[0] = p;
            argv[1] = null;
            byte** envp = stackalloc byte*[1];
            envp[0] = null;
            return ExecveCall(p, argv, envp) < 0 ? Errno.Last : 0;
        }
    }

    private static byte[] ToCString(string value)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
