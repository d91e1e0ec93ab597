using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>
/// The socket calls the forwarder's host sockets need: the peek path (see <c>HostSocketSendSource</c>), a
/// non-blocking connect and gathered sends that leave the runtime's socket engine out (see <c>HostSocketIo</c>).
/// </summary>
internal static unsafe partial class LibC
{
    /// <summary>socket(7): the offset MSG_PEEK reads from; TCP supports it since Linux 6.10.</summary>
    public const int SO_PEEK_OFF = 42;

    public const int MSG_PEEK = 0x2;

    /// <summary>tcp(7): on a TCP socket MSG_TRUNC discards the bytes instead of copying them (buffer may be NULL).</summary>
    public const int MSG_TRUNC = 0x20;

    public const int MSG_DONTWAIT = 0x40;

    /// <summary>tcp(7) SIOCINQ (= FIONREAD): unread bytes in the receive queue.</summary>
    public const nuint SIOCINQ = 0x541B;

    /// <summary>poll(2): the peer shut down writing (its FIN was received).</summary>
    public const short POLLRDHUP = 0x2000;

    public const int IPPROTO_TCP = 6;

    public const int SOCK_NONBLOCK = 0x800;

    public const int SO_ERROR = 4;

    public const int SO_RCVBUF = 8;

    public const int TCP_NODELAY = 1;

    /// <summary>send(2): no SIGPIPE when the peer is gone (EPIPE is returned instead).</summary>
    public const int MSG_NOSIGNAL = 0x4000;

    public const int EINPROGRESS = 115;

    [LibraryImport(Library, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* address, uint length);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);
}
