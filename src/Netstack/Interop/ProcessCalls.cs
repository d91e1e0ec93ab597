using System.Text;

namespace Netstack.Interop;

/// <summary>Process control for <c>netstack run</c>: close-on-exec, execve(2), waitpid(2), kill(2), the effective uid.</summary>
internal static unsafe class ProcessCalls
{
    /// <summary>True when the effective user id is 0 (root in the current user namespace).</summary>
    public static bool IsEffectiveRoot => LibC.GetEuid() == 0;

    /// <summary>Sets or clears FD_CLOEXEC: a descriptor a child must inherit across execve has it cleared.</summary>
    public static void SetCloseOnExec(int fd, bool closeOnExec)
    {
        int flags = LibC.Fcntl(fd, LibC.F_GETFD, 0);
        if (flags < 0 || LibC.Fcntl(fd, LibC.F_SETFD, closeOnExec ? flags | LibC.FD_CLOEXEC : flags & ~LibC.FD_CLOEXEC) < 0)
        {
            throw Errno.ToException(Errno.Last, $"fcntl(F_SETFD) fd {fd}");
        }
    }

    /// <summary>
    /// Replaces the process image (execve(2)); returns only by throwing. <paramref name="path"/> must be a path (no
    /// PATH search); <paramref name="environment"/> holds <c>NAME=value</c> strings.
    /// </summary>
    public static void Execute(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        // One unmanaged block: execve copies everything, and on success nothing here is ever freed.
        byte[][] argv = arguments.Select(ToCString).ToArray();
        byte[][] envp = environment.Select(ToCString).ToArray();
        byte[] file = ToCString(path);
        var handles = new List<System.Runtime.InteropServices.GCHandle>();
        try
        {
            byte** argvPointers = stackalloc byte*[argv.Length + 1];
            byte** envPointers = (byte**)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)(envp.Length + 1), (nuint)sizeof(byte*));
            try
            {
                for (int i = 0; i < argv.Length; i++)
                {
                    handles.Add(System.Runtime.InteropServices.GCHandle.Alloc(argv[i], System.Runtime.InteropServices.GCHandleType.Pinned));
                    argvPointers[i] = (byte*)handles[^1].AddrOfPinnedObject();
                }
                argvPointers[argv.Length] = null;
                for (int i = 0; i < envp.Length; i++)
                {
                    handles.Add(System.Runtime.InteropServices.GCHandle.Alloc(envp[i], System.Runtime.InteropServices.GCHandleType.Pinned));
                    envPointers[i] = (byte*)handles[^1].AddrOfPinnedObject();
                }
                envPointers[envp.Length] = null;
                fixed (byte* p = file)
                {
                    LibC.Execve(p, argvPointers, envPointers);
                }
                int errno = Errno.Last;
                throw Errno.ToException(errno, "execve " + path, errno switch
                {
                    Errno.ENOENT => "no such file",
                    Errno.EACCES => "not executable (or a directory on the way cannot be searched)",
                    _ => null,
                });
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.Free(envPointers);
            }
        }
        finally
        {
            foreach (System.Runtime.InteropServices.GCHandle handle in handles)
            {
                handle.Free();
            }
        }
    }

    /// <summary>
    /// Waits for the child <paramref name="pid"/> to end and returns its status the way a shell reports it: the exit
    /// code, or 128 + the signal that killed it (wait(2): WIFEXITED / WTERMSIG).
    /// </summary>
    public static int WaitForExit(int pid)
    {
        int status;
        while (LibC.WaitPid(pid, &status, 0) < 0)
        {
            int errno = Errno.Last;
            if (errno != Errno.EINTR)
            {
                throw Errno.ToException(errno, $"waitpid {pid}");
            }
        }
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone (ESRCH).</summary>
    public static bool Signal(int pid, int signal) => LibC.Kill(pid, signal) == 0;

    private static byte[] ToCString(string text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
