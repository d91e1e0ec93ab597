using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>Linux errno values the links handle, and the one place an errno becomes an exception.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int ENOSPC = 28;
    public const int ENOSYS = 38;
    public const int EMSGSIZE = 90;
    public const int ENOBUFS = 105;

    /// <summary>The errno of the last failed call on this thread (read it before any other P/Invoke).</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>The symbolic name of <paramref name="errno"/> (<c>EPERM</c>), or its number.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOTTY => "ENOTTY",
        ENOSPC => "ENOSPC",
        ENOSYS => "ENOSYS",
        EMSGSIZE => "EMSGSIZE",
        ENOBUFS => "ENOBUFS",
        _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Builds the exception for a failed <paramref name="operation"/>: "operation: strerror (ENAME)[; hint]".</summary>
    public static SystemCallException ToException(int errno, string operation, string? hint = null)
    {
        string message = $"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} ({Name(errno)})";
        if (hint is not null)
        {
            message += "; " + hint;
        }
        return new SystemCallException(message, errno, operation);
    }
}
