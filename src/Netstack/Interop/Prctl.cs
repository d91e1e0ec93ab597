using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>The <c>prctl</c> options the forwarder's sandbox uses (prctl(2)).</summary>
internal static partial class Prctl
{
    /// <summary>prctl(2): once set, execve(2) can no longer grant privileges (setuid bits, file capabilities), for this thread and its children.</summary>
    public const int PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>prctl(2): returns 1 when the calling thread's no_new_privs bit is set.</summary>
    public const int PR_GET_NO_NEW_PRIVS = 39;

    // prctl is variadic in C; the unused arguments are passed as zeros, which prctl(2) requires for these options.
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Call(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>
    /// Sets the calling thread's no_new_privs bit. An unprivileged thread must have it before it may install a seccomp
    /// filter (seccomp(2), EACCES otherwise); it cannot be unset.
    /// </summary>
    public static void SetNoNewPrivileges()
    {
        if (Call(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        {
            throw Errno.ToException(Errno.Last, "prctl(PR_SET_NO_NEW_PRIVS)");
        }
    }

    /// <summary>Whether the calling thread's no_new_privs bit is set.</summary>
    public static bool GetNoNewPrivileges()
    {
        int result = Call(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        if (result < 0)
        {
            throw Errno.ToException(Errno.Last, "prctl(PR_GET_NO_NEW_PRIVS)");
        }
        return result == 1;
    }
}
