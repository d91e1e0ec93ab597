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

    /// <summary>
    /// Makes <paramref name="signal"/> deliverable again when this process started with it ignored: a shell without
    /// job control starts a background job (<c>cmd &amp;</c>) with SIGINT ignored, and .NET then never installs its
    /// handler, so a <see cref="System.Runtime.InteropServices.PosixSignalRegistration"/> would wait for a signal that cannot arrive and
    /// <c>kill -INT</c> would do nothing. Resetting it to the default before registering lets the runtime take it, as Go's
    /// <c>signal.Notify</c> does. A signal that is not ignored is left alone (the runtime's handler is on it).
    /// </summary>
    public static void StopIgnoring(int signal)
    {
        const nint SIG_DFL = 0;
        const nint SIG_IGN = 1;
        byte* current = stackalloc byte[256]; // struct sigaction, with room to spare
        if (LibC.SigAction(signal, null, current) == 0 && *(nint*)current == SIG_IGN)
        {
            byte* action = stackalloc byte[256];
            new Span<byte>(action, 256).Clear();
            *(nint*)action = SIG_DFL;
            _ = LibC.SigAction(signal, action, null);
        }
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
