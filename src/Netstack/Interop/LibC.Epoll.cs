using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>epoll(7), for the forwarder's edge-triggered readiness of host sockets (see <c>HostSocketReadiness</c>).</summary>
internal static unsafe partial class LibC
{
    public const uint EPOLLIN = 0x1;
    public const uint EPOLLERR = 0x8;
    public const uint EPOLLHUP = 0x10;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLOUT = 0x4;
    public const uint EPOLLONESHOT = 1u << 30;
    public const uint EPOLLET = 1u << 31;
    public const int EPOLL_CLOEXEC = O_CLOEXEC;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    /// <summary>epoll_ctl(2): adds (<see cref="EPOLL_CTL_ADD"/>) or removes (<see cref="EPOLL_CTL_DEL"/>) <paramref name="fd"/> in the set <paramref name="epfd"/>.</summary>
    /// <param name="epfd">The epoll descriptor.</param>
    /// <param name="op">The operation.</param>
    /// <param name="fd">The watched descriptor.</param>
    /// <param name="ev">A <see cref="EpollEventX64"/> or <see cref="EpollEventGeneric"/>, by architecture.</param>
    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, void* events, int maxEvents, int timeoutMilliseconds);
}

/// <summary>C <c>struct epoll_event</c> on x86-64, where glibc declares it packed (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEventX64
{
    public uint Events;
    public ulong Data;
}

/// <summary>C <c>struct epoll_event</c> elsewhere (arm64 and the rest: naturally aligned, 16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EpollEventGeneric
{
    public uint Events;
    public ulong Data;
}
