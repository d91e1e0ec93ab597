using System.Net;
using System.Runtime.InteropServices;
using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}

/// <summary><c>struct msghdr</c> (x86-64 layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public byte* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary><c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>The socket calls of packetdrill's interface, on the stack's sockets (<see cref="SocketTable"/>).</summary>
internal static unsafe class Calls
{
    private const int MSG_PEEK = 0x2, MSG_DONTWAIT = 0x40, MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000, MSG_EOR = 0x80;
    private const int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, O_RDWR = 2, O_NONBLOCK = 0x800;
    private const uint FIONREAD = 0x541B, TIOCOUTQ = 0x5411, SIOCOUTQNSD = 0x894B;

    private static PacketdrillHost Host => Exports.CurrentHost;

    private static SocketTable Table => Host.Sockets;

    /// <summary>A result or <c>-errno</c> as the C call returns it; the world changed, so blocked calls look again.</summary>
    private static long Finish(long result)
    {
        Host.Changed();
        Host.Settle(clockReads: false);
        if (result < 0)
        {
            Errno.Value = (int)-result;
            return -1;
        }
        return result;
    }

    private static long Guard(Func<long> call, string name)
    {
        try
        {
            return Finish(call());
        }
        catch (Exception e)
        {
            Exports.Report(e, name);
            Errno.Value = Errno.EIO;
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    public static int Socket(void* u, int domain, int type, int protocol) => (int)Guard(() => Table.Open(domain, type, protocol), "socket");

    [UnmanagedCallersOnly]
    public static int Bind(void* u, int fd, byte* address, uint length)
    {
        IPEndPoint? endPoint = SocketAddress.Read(address, (int)length);
        return (int)Guard(() => endPoint is null ? -Errno.EINVAL : Table.Socket(fd)?.Bind(endPoint) ?? Table.BadFd(fd), "bind");
    }

    [UnmanagedCallersOnly]
    public static int Listen(void* u, int fd, int backlog) => (int)Guard(() => Table.Socket(fd)?.Listen(backlog) ?? Table.BadFd(fd), "listen");

    [UnmanagedCallersOnly]
    public static int Accept(void* u, int fd, byte* address, uint* length)
    {
        IPEndPoint? peer = null;
        int family = 0;
        long result = Guard(() => Table.Accept(fd, out peer, out family), "accept");
        if (result >= 0 && peer is not null)
        {
            SocketAddress.Write(peer, family, address, length);
        }
        return (int)result;
    }

    [UnmanagedCallersOnly]
    public static int Connect(void* u, int fd, byte* address, uint length)
    {
        IPEndPoint? remote = SocketAddress.Read(address, (int)length);
        return (int)Guard(() => remote is null ? -Errno.EINVAL : Table.Connect(fd, remote), "connect");
    }

    [UnmanagedCallersOnly]
    public static nint Read(void* u, int fd, byte* buffer, nuint count) => (nint)ReceiveInto(fd, buffer, count, 0);

    [UnmanagedCallersOnly]
    public static nint Recv(void* u, int fd, byte* buffer, nuint count, int flags) => (nint)ReceiveInto(fd, buffer, count, flags);

    [UnmanagedCallersOnly]
    public static nint Recvfrom(void* u, int fd, byte* buffer, nuint count, int flags, byte* address, uint* length)
    {
        if (length != null)
        {
            *length = 0; // TCP reports no source address
        }
        return (nint)ReceiveInto(fd, buffer, count, flags);
    }

    private static long ReceiveInto(int fd, byte* buffer, nuint count, int flags)
    {
        if ((flags & ~(MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL)) != 0)
        {
            Errno.Value = Errno.EOPNOTSUPP; // MSG_PEEK, MSG_OOB, MSG_ERRQUEUE, ...: not in the stack's API
            return -1;
        }
        if (buffer == null && count > 0)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        return Guard(() => Table.Read(fd, new Span<byte>(buffer, (int)count), (flags & MSG_DONTWAIT) != 0), "recv");
    }

    [UnmanagedCallersOnly]
    public static nint Readv(void* u, int fd, IoVec* iov, int count) => (nint)Scatter(fd, iov, count, 0);

    [UnmanagedCallersOnly]
    public static nint Recvmsg(void* u, int fd, MsgHdr* msg, int flags)
    {
        if (msg == null)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        msg->NameLength = 0;
        nuint controlRoom = msg->Control == null ? 0 : msg->ControlLength;
        msg->ControlLength = 0;
        msg->Flags = 0;
        long read = Scatter(fd, msg->Iov, (int)msg->IovLength, flags);
        if (read >= 0 && Table.Socket(fd) is DrillSocket { ReportInq: true, Endpoint: { } endpoint })
        {
            AddInqMessage(msg, controlRoom, endpoint);
        }
        return (nint)read;
    }

    /// <summary>
    /// TCP_INQ's control message (Linux <c>tcp_inq_hint</c>): the bytes left to read, or 1 when none are left but the
    /// peer's FIN arrived, so the reader reads on to the end of the stream. Without room for it, MSG_CTRUNC.
    /// </summary>
    private static void AddInqMessage(MsgHdr* msg, nuint room, Netstack.Transport.Tcp.TcpEndpoint endpoint)
    {
        const int MSG_CTRUNC = 0x8, CmsgHeader = 16, CmsgSpace = 24; // struct cmsghdr, then an int padded to 8
        if (room < CmsgSpace)
        {
            msg->Flags |= MSG_CTRUNC;
            return;
        }
        long available = endpoint.Available;
        int inq = (int)Math.Min(available == 0 && Readiness.FinReceived(endpoint) ? 1 : available, int.MaxValue);
        byte* c = (byte*)msg->Control;
        *(nuint*)c = CmsgHeader + sizeof(int);
        *(int*)(c + 8) = SocketOptions.IPPROTO_TCP;
        *(int*)(c + 12) = SocketOptions.TCP_INQ; // TCP_CM_INQ
        *(int*)(c + CmsgHeader) = inq;
        msg->ControlLength = CmsgSpace;
    }

    /// <summary>A read into one buffer, then spread over the iovecs (TCP has no message boundaries to keep).</summary>
    private static long Scatter(int fd, IoVec* iov, int count, int flags)
    {
        if (count < 0 || (count > 0 && iov == null))
        {
            Errno.Value = count < 0 ? Errno.EINVAL : Errno.EFAULT;
            return -1;
        }
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            total += (long)iov[i].Length;
        }
        byte[] staging = new byte[Math.Min(total, 16 << 20)];
        long read;
        fixed (byte* p = staging)
        {
            read = ReceiveInto(fd, p, (nuint)staging.Length, flags);
        }
        long copied = 0;
        for (int i = 0; i < count && copied < read; i++)
        {
            int n = (int)Math.Min((long)iov[i].Length, read - copied);
            staging.AsSpan((int)copied, n).CopyTo(new Span<byte>(iov[i].Base, n));
            copied += n;
        }
        return read;
    }

    [UnmanagedCallersOnly]
    public static nint Write(void* u, int fd, byte* buffer, nuint count) => (nint)SendFrom(fd, buffer, count, 0);

    [UnmanagedCallersOnly]
    public static nint Send(void* u, int fd, byte* buffer, nuint count, int flags) => (nint)SendFrom(fd, buffer, count, flags);

    [UnmanagedCallersOnly]
    public static nint Sendto(void* u, int fd, byte* buffer, nuint count, int flags, byte* address, uint length) => (nint)SendFrom(fd, buffer, count, flags);

    private static long SendFrom(int fd, byte* buffer, nuint count, int flags)
    {
        if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR)) != 0)
        {
            Errno.Value = Errno.EOPNOTSUPP; // MSG_OOB, MSG_ZEROCOPY, ...: not in the stack's API
            return -1;
        }
        if (buffer == null && count > 0)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        TcpWriteFlags writeFlags = ((flags & MSG_MORE) != 0 ? TcpWriteFlags.More : 0) | ((flags & MSG_EOR) != 0 ? TcpWriteFlags.EndOfRecord : 0);
        return Guard(() => Table.Write(fd, new ReadOnlySpan<byte>(buffer, (int)count), (flags & MSG_DONTWAIT) != 0, writeFlags), "write");
    }

    [UnmanagedCallersOnly]
    public static nint Writev(void* u, int fd, IoVec* iov, int count) => (nint)Gather(fd, iov, count, 0);

    [UnmanagedCallersOnly]
    public static nint Sendmsg(void* u, int fd, MsgHdr* msg, int flags)
    {
        if (msg == null)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        return (nint)Gather(fd, msg->Iov, (int)msg->IovLength, flags);
    }

    /// <summary>The iovecs gathered into one buffer and written with one call, as Linux's tcp_sendmsg takes them.</summary>
    private static long Gather(int fd, IoVec* iov, int count, int flags)
    {
        if (count < 0 || count > 1024)
        {
            Errno.Value = Errno.EINVAL;
            return -1;
        }
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            if (iov[i].Base == null && iov[i].Length > 0)
            {
                Errno.Value = Errno.EFAULT;
                return -1;
            }
            total += (long)iov[i].Length;
        }
        byte[] staging = new byte[total];
        long at = 0;
        for (int i = 0; i < count; i++)
        {
            new ReadOnlySpan<byte>(iov[i].Base, (int)iov[i].Length).CopyTo(staging.AsSpan((int)at));
            at += (long)iov[i].Length;
        }
        fixed (byte* p = staging)
        {
            return SendFrom(fd, p, (nuint)staging.Length, flags);
        }
    }

    [UnmanagedCallersOnly]
    public static int Fcntl(void* u, int fd, int command, nint argument) => (int)Guard(() =>
    {
        if (Table.Socket(fd) is not DrillSocket s)
        {
            return Table.Exists(fd) ? (command == F_GETFL ? O_RDWR : 0) : -Errno.EBADF;
        }
        switch (command)
        {
            case F_GETFL:
                return O_RDWR | (s.NonBlocking ? O_NONBLOCK : 0);
            case F_SETFL:
                s.NonBlocking = (argument & O_NONBLOCK) != 0;
                return 0;
            case F_GETFD:
            case F_SETFD:
                return 0;
            default:
                return -Errno.EINVAL;
        }
    }, "fcntl");

    [UnmanagedCallersOnly]
    public static int Ioctl(void* u, int fd, nuint request, byte* argument) => (int)Guard(() =>
    {
        if (Table.Socket(fd) is not DrillSocket s)
        {
            return Table.BadFd(fd);
        }
        if (s.Endpoint is null || argument == null)
        {
            return argument == null ? -Errno.EFAULT : -Errno.EINVAL;
        }
        Transport.Tcp.TcpInfo info = s.Endpoint.GetInfo();
        long value;
        switch ((uint)request)
        {
            case FIONREAD:
                value = info.ReceiveQueueBytes;
                break;
            case TIOCOUTQ:
                value = info.SendBufferBytes;
                break;
            case SIOCOUTQNSD:
                value = Math.Max(0, info.SendBufferBytes - info.BytesInFlight);
                break;
            default:
                return -Errno.ENOTTY;
        }
        *(int*)argument = (int)value;
        return 0;
    }, "ioctl");

    [UnmanagedCallersOnly]
    public static int Close(void* u, int fd) => (int)Guard(() => Table.Close(fd), "close");

    [UnmanagedCallersOnly]
    public static int Shutdown(void* u, int fd, int how) => (int)Guard(() => Table.Socket(fd)?.Shutdown(how) ?? Table.BadFd(fd), "shutdown");

    [UnmanagedCallersOnly]
    public static int Getsockopt(void* u, int fd, int level, int name, byte* value, uint* length)
    {
        if (value == null || length == null)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        int room = (int)*length;
        long result = Guard(() => Table.Socket(fd) is DrillSocket s ? SocketOptions.Get(s, level, name, new Span<byte>(value, room)) : Table.BadFd(fd), "getsockopt");
        if (result >= 0)
        {
            *length = (uint)result;
            return 0;
        }
        return -1;
    }

    [UnmanagedCallersOnly]
    public static int Setsockopt(void* u, int fd, int level, int name, byte* value, uint length)
    {
        if (value == null && length > 0)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        return (int)Guard(() => Table.Socket(fd) is DrillSocket s ? SocketOptions.Set(s, level, name, new ReadOnlySpan<byte>(value, (int)length)) : Table.BadFd(fd), "setsockopt");
    }

    [UnmanagedCallersOnly]
    public static int Poll(void* u, PollFd* fds, nuint count, int timeoutMilliseconds) => (int)Guard(() =>
    {
        long deadline = timeoutMilliseconds < 0 ? long.MaxValue : Host.Clock.Ticks + timeoutMilliseconds * TimeSpan.TicksPerMillisecond;
        long PollOnce()
        {
            int ready = 0;
            for (nuint i = 0; i < count; i++)
            {
                PollFd* f = &fds[i];
                int mask = Table.Socket(f->Fd) is DrillSocket s ? Readiness.Of(s) : Readiness.POLLNVAL;
                f->Revents = (short)(mask & (f->Events | Readiness.POLLERR | Readiness.POLLHUP | Readiness.POLLNVAL));
                ready += f->Revents != 0 ? 1 : 0;
            }
            return ready > 0 || timeoutMilliseconds == 0 ? ready : -Errno.EAGAIN;
        }
        return Host.Block(PollOnce, deadline);
    }, "poll");

    [UnmanagedCallersOnly]
    public static int EpollCreate(void* u, int size) => (int)Guard(() => size <= 0 ? -Errno.EINVAL : Table.OpenEpoll(), "epoll_create");

    [UnmanagedCallersOnly]
    public static int EpollCtl(void* u, int epfd, int op, int fd, byte* ev) => (int)Guard(() =>
    {
        if (Table.Epoll(epfd) is not EpollSet set)
        {
            return -Errno.EBADF;
        }
        if (!Table.Exists(fd))
        {
            return -Errno.EBADF;
        }
        uint events = ev == null ? 0 : *(uint*)ev;
        ulong data = ev == null ? 0 : *(ulong*)(ev + 4); // struct epoll_event is packed on x86-64
        return set.Control(op, fd, events, data);
    }, "epoll_ctl");

    [UnmanagedCallersOnly]
    public static int EpollWait(void* u, int epfd, byte* events, int max, int timeoutMilliseconds) => (int)Guard(() =>
    {
        if (Table.Epoll(epfd) is not EpollSet set)
        {
            return -Errno.EBADF;
        }
        if (max <= 0 || events == null)
        {
            return -Errno.EINVAL;
        }
        long deadline = timeoutMilliseconds < 0 ? long.MaxValue : Host.Clock.Ticks + timeoutMilliseconds * TimeSpan.TicksPerMillisecond;
        var ready = new (uint Events, ulong Data)[max];
        long WaitOnce()
        {
            int n = set.Collect(ready);
            for (int i = 0; i < n; i++)
            {
                *(uint*)(events + i * 12) = ready[i].Events;
                *(ulong*)(events + i * 12 + 4) = ready[i].Data;
            }
            return n > 0 || timeoutMilliseconds == 0 ? n : -Errno.EAGAIN;
        }
        return Host.Block(WaitOnce, deadline);
    }, "epoll_wait");

    [UnmanagedCallersOnly]
    public static int Pipe(void* u, int* fds)
    {
        Errno.Value = Errno.EOPNOTSUPP; // no pipes in the stack
        return -1;
    }

    [UnmanagedCallersOnly]
    public static nint Splice(void* u, int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags)
    {
        Errno.Value = Errno.EOPNOTSUPP;
        return -1;
    }
}
