namespace Netstack.Interop;

/// <summary>
/// Reads and changes an interface's MTU and up flag with the netdevice ioctls (netdevice(7)) on a throw-away
/// <c>AF_INET</c> datagram socket. These act on the interface of that name in the caller's network namespace.
/// </summary>
internal static unsafe class NetDevice
{
    public static int GetMtu(string name)
    {
        IfReq request = IfReq.ForName(name);
        Call(TunIoctl.SIOCGIFMTU, ref request, $"SIOCGIFMTU '{name}'");
        return request.Mtu;
    }

    public static void SetMtu(string name, int mtu)
    {
        IfReq request = IfReq.ForName(name);
        request.Mtu = mtu;
        Call(TunIoctl.SIOCSIFMTU, ref request, $"SIOCSIFMTU '{name}' {mtu}");
    }

    public static int GetTxQueueLength(string name)
    {
        IfReq request = IfReq.ForName(name);
        Call(TunIoctl.SIOCGIFTXQLEN, ref request, $"SIOCGIFTXQLEN '{name}'");
        return request.QueueLength;
    }

    public static void SetTxQueueLength(string name, int length)
    {
        IfReq request = IfReq.ForName(name);
        request.QueueLength = length;
        Call(TunIoctl.SIOCSIFTXQLEN, ref request, $"SIOCSIFTXQLEN '{name}' {length}");
    }

    public static bool IsUp(string name)
    {
        IfReq request = IfReq.ForName(name);
        Call(TunIoctl.SIOCGIFFLAGS, ref request, $"SIOCGIFFLAGS '{name}'");
        return (request.Flags & TunIoctl.IFF_UP) != 0;
    }

    /// <summary>Sets IFF_UP, keeping the other flags.</summary>
    public static void SetUp(string name)
    {
        IfReq request = IfReq.ForName(name);
        Call(TunIoctl.SIOCGIFFLAGS, ref request, $"SIOCGIFFLAGS '{name}'");
        if ((request.Flags & TunIoctl.IFF_UP) != 0)
        {
            return;
        }
        request.Flags |= TunIoctl.IFF_UP;
        Call(TunIoctl.SIOCSIFFLAGS, ref request, $"SIOCSIFFLAGS '{name}' up");
    }

    private static void Call(uint request, ref IfReq ifreq, string operation)
    {
        int socket = LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0)
        {
            throw Errno.ToException(Errno.Last, "socket(AF_INET, SOCK_DGRAM)");
        }
        try
        {
            fixed (IfReq* p = &ifreq)
            {
                if (LibC.Ioctl(socket, request, p) < 0)
                {
                    int errno = Errno.Last;
                    throw Errno.ToException(errno, operation, errno switch
                    {
                        Errno.EPERM or Errno.EACCES => "needs CAP_NET_ADMIN",
                        Errno.ENODEV => "no such interface in this network namespace",
                        Errno.EINVAL when request == TunIoctl.SIOCSIFMTU => "the MTU is outside the range the device accepts",
                        _ => null,
                    });
                }
            }
        }
        finally
        {
            LibC.Close(socket);
        }
    }
}
