namespace Netstack.Interop;

/// <summary>
/// Opening queues of a Linux TUN device: <c>open("/dev/net/tun")</c> then <c>TUNSETIFF</c>, which creates the
/// device if no device has the name, or attaches to the existing (persistent or multi-queue) one without
/// touching its configuration.
/// </summary>
internal static unsafe class TunDevice
{
    public const string ClonePath = "/dev/net/tun";

    /// <summary>
    /// Opens one queue file descriptor (non-blocking, close-on-exec) for <paramref name="name"/> with
    /// <paramref name="flags"/> (<see cref="TunIoctl.IFF_TUN"/> etc.); returns it and the device's actual name.
    /// </summary>
    /// <exception cref="SystemCallException">The driver is missing, the caller lacks CAP_NET_ADMIN, or the name is taken.</exception>
    public static int OpenQueue(string name, short flags, out string actualName)
    {
        int fd;
        fixed (byte* path = "/dev/net/tun\0"u8)
        {
            fd = LibC.Open(path, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        }
        if (fd < 0)
        {
            int errno = Errno.Last;
            throw Errno.ToException(errno, "open " + ClonePath, errno switch
            {
                Errno.ENOENT or Errno.ENODEV or Errno.ENXIO => "the TUN driver is not available (load the 'tun' module, or give the container /dev/net/tun)",
                Errno.EPERM or Errno.EACCES => "needs CAP_NET_ADMIN (run as root or grant the capability)",
                _ => null,
            });
        }

        IfReq request = IfReq.ForName(name);
        request.Flags = flags;
        if (LibC.Ioctl(fd, TunIoctl.TUNSETIFF, &request) < 0)
        {
            int errno = Errno.Last;
            LibC.Close(fd);
            throw Errno.ToException(errno, $"TUNSETIFF '{name}'", errno switch
            {
                Errno.EPERM or Errno.EACCES => $"needs CAP_NET_ADMIN to create or attach to TUN device '{name}'",
                Errno.EBUSY => $"the name '{name}' is in use (another process has the TUN device open, or its queue limit is reached)",
                Errno.EINVAL => $"'{name}' exists but is not a TUN device with these flags (TAP, multi_queue or vnet_hdr differ), or the name is invalid",
                _ => null,
            });
        }
        actualName = request.GetName();
        return fd;
    }

    /// <summary>Closes a file descriptor, ignoring errors (Linux releases the descriptor even when close fails).</summary>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            LibC.Close(fd);
        }
    }

    /// <summary>
    /// TUNGETIFF: the flags the device really has (IFF_TUN, IFF_NO_PI, IFF_VNET_HDR, ...). TUNSETIFF on an existing
    /// multi-queue device whose other queues are open keeps the device's flags and ignores the caller's, so an open
    /// that asked for IFF_VNET_HDR must look whether it got it.
    /// </summary>
    public static short GetFlags(int fd, string name)
    {
        IfReq request = default;
        if (LibC.Ioctl(fd, TunIoctl.TUNGETIFF, &request) < 0)
        {
            throw Errno.ToException(Errno.Last, $"TUNGETIFF '{name}'", null);
        }
        return request.Flags;
    }

    /// <summary>TUNSETOFFLOAD without throwing: the errno, or 0 when the kernel took the flags.</summary>
    public static int TrySetOffload(int fd, uint flags) =>
        LibC.Ioctl(fd, TunIoctl.TUNSETOFFLOAD, (void*)(nuint)flags) < 0 ? Errno.Last : 0;

    /// <summary>TUNSETOFFLOAD: tells the device which offloads this reader handles (a device-wide setting).</summary>
    public static void SetOffload(int fd, string name, uint flags)
    {
        if (LibC.Ioctl(fd, TunIoctl.TUNSETOFFLOAD, (void*)(nuint)flags) < 0)
        {
            throw Errno.ToException(Errno.Last, $"TUNSETOFFLOAD '{name}' 0x{flags:x}", "the kernel refused the offload flags");
        }
    }
}
