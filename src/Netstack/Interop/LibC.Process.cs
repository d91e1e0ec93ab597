using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>
/// The process, descriptor-passing, mount and capability calls <c>netstack run</c> needs (socketpair(2),
/// sendmsg(2)/recvmsg(2) with SCM_RIGHTS, fcntl(2), execve(2), waitpid(2), kill(2), mount(2), statx(2), prctl(2), capset(2)).
/// </summary>
internal static unsafe partial class LibC
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    public const int WNOHANG = 1;

    public const ulong MS_BIND = 0x1000;

    public const int PR_CAPBSET_DROP = 24;
    public const int PR_CAP_AMBIENT = 47;
    public const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    [LibraryImport(Library, EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Library, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "execve", SetLastError = true)]
    public static partial int Execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(Library, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>sigaction(2); <paramref name="action"/> and <paramref name="old"/> point at a <c>struct sigaction</c> (152 bytes on x86-64 and arm64, handler first).</summary>
    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int SigAction(int signal, void* action, void* old);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Library, EntryPoint = "mount", SetLastError = true)]
    public static partial int Mount(byte* source, byte* target, byte* fileSystemType, nuint flags, void* data);

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int directoryFd, byte* path, int flags, uint mask, void* buffer);

    [LibraryImport(Library, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint argument2, nuint argument3, nuint argument4, nuint argument5);

    [LibraryImport(Library, EntryPoint = "capget", SetLastError = true)]
    public static partial int CapGet(CapUserHeader* header, CapUserData* data);

    [LibraryImport(Library, EntryPoint = "capset", SetLastError = true)]
    public static partial int CapSet(CapUserHeader* header, CapUserData* data);
}

/// <summary>C <c>struct msghdr</c> (64-bit layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>C <c>struct cmsghdr</c> (64-bit layout: a size_t length, then level and type); data follows, 8-byte aligned.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CmsgHdr
{
    public nuint Length;
    public int Level;
    public int Type;
}

/// <summary><c>struct __user_cap_header_struct</c> (capget(2)).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CapUserHeader
{
    /// <summary>_LINUX_CAPABILITY_VERSION_3: two <see cref="CapUserData"/> elements (64 capabilities).</summary>
    public const uint Version3 = 0x20080522;

    public uint Version;
    public int Pid;
}

/// <summary><c>struct __user_cap_data_struct</c>: one 32-capability word of each set.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CapUserData
{
    public uint Effective;
    public uint Permitted;
    public uint Inheritable;
}
