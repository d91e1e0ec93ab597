namespace Netstack.Interop;

/// <summary>
/// A Linux system call failed. The message names the operation, the C library's text for the errno and its
/// symbolic name, and a hint where the usual cause is known (e.g. "needs CAP_NET_ADMIN" for EPERM on a TUN device).
/// </summary>
public sealed class SystemCallException : IOException
{
    /// <summary>An exception with no message, errno or operation.</summary>
    public SystemCallException()
    {
        Operation = "";
    }

    /// <summary>An exception with <paramref name="message"/> and no errno or operation.</summary>
    public SystemCallException(string message)
        : base(message)
    {
        Operation = "";
    }

    /// <summary>An exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public SystemCallException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "";
    }

    /// <summary>An exception for <paramref name="operation"/> failing with <paramref name="errno"/>, which also becomes <see cref="Exception.HResult"/>.</summary>
    public SystemCallException(string message, int errno, string operation)
        : base(message)
    {
        Errno = errno;
        Operation = operation;
        HResult = errno;
    }

    /// <summary>The Linux errno value (e.g. 1 for EPERM).</summary>
    public int Errno { get; }

    /// <summary>What was being done, e.g. <c>open /dev/net/tun</c>.</summary>
    public string Operation { get; }
}
