using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Netstack.Packetdrill;

/// <summary>Linux errno values the socket calls report, and the C library's errno that packetdrill reads.</summary>
internal static partial class Errno
{
    public const int EPERM = 1, EBADF = 9, EAGAIN = 11, EFAULT = 14, EINVAL = 22, EPIPE = 32, ENOTSOCK = 88,
        EDESTADDRREQ = 89, EMSGSIZE = 90, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97,
        EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETUNREACH = 101, ECONNABORTED = 103, ECONNRESET = 104, EISCONN = 106,
        ENOTCONN = 107, ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115,
        ENOTTY = 25, EIO = 5;

    [LibraryImport("libc", EntryPoint = "__errno_location")]
    private static unsafe partial int* ErrnoLocation();

    /// <summary>The calling thread's C errno.</summary>
    public static unsafe int Value
    {
        get => *ErrnoLocation();
        set => *ErrnoLocation() = value;
    }

    /// <summary>The errno Linux reports for a socket error.</summary>
    public static int From(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ECONNREFUSED,
        SocketError.ConnectionReset => ECONNRESET,
        SocketError.ConnectionAborted => ECONNABORTED,
        SocketError.TimedOut => ETIMEDOUT,
        SocketError.NetworkUnreachable => ENETUNREACH,
        SocketError.HostUnreachable => EHOSTUNREACH,
        SocketError.AddressAlreadyInUse => EADDRINUSE,
        SocketError.AddressNotAvailable => EADDRNOTAVAIL,
        SocketError.NotConnected => ENOTCONN,
        SocketError.Shutdown => EPIPE,
        SocketError.OperationAborted => EBADF,
        SocketError.OperationNotSupported => EOPNOTSUPP,
        SocketError.WouldBlock => EAGAIN,
        SocketError.InvalidArgument => EINVAL,
        _ => EIO,
    };
}
