using System.Net;
using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary>
/// packetdrill's file descriptors: TCP sockets and epoll sets. The calls answer a count or <c>-errno</c>; a blocking
/// socket's EAGAIN becomes a wait through <see cref="PacketdrillHost.Block"/>.
/// </summary>
internal sealed class SocketTable(PacketdrillHost host)
{
    public const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, IPPROTO_TCP = 6;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, object> _files = [];
    private int _nextFd = 3;

    private int Add(object file)
    {
        lock (_lock)
        {
            while (_files.ContainsKey(_nextFd))
            {
                _nextFd++;
            }
            _files[_nextFd] = file;
            return _nextFd++;
        }
    }

    public DrillSocket? Socket(int fd)
    {
        lock (_lock)
        {
            return _files.TryGetValue(fd, out object? file) ? file as DrillSocket : null;
        }
    }

    public EpollSet? Epoll(int fd)
    {
        lock (_lock)
        {
            return _files.TryGetValue(fd, out object? file) ? file as EpollSet : null;
        }
    }

    public bool Exists(int fd)
    {
        lock (_lock)
        {
            return _files.ContainsKey(fd);
        }
    }

    public long Open(int domain, int type, int protocol)
    {
        if (domain is not (SocketAddress.AF_INET or SocketAddress.AF_INET6))
        {
            return -Errno.EAFNOSUPPORT;
        }
        if ((type & 0xF) != SOCK_STREAM || protocol is not (0 or IPPROTO_TCP))
        {
            return -Errno.EPROTONOSUPPORT;
        }
        return Add(new DrillSocket(host, domain) { NonBlocking = (type & SOCK_NONBLOCK) != 0 });
    }

    public long OpenEpoll() => Add(new EpollSet(this));

    public long Accept(int fd, out IPEndPoint? peer, out int family)
    {
        peer = null;
        family = 0;
        if (Socket(fd) is not DrillSocket listener)
        {
            return Exists(fd) ? -Errno.ENOTSOCK : -Errno.EBADF;
        }
        TcpEndpoint? child = null;
        long result = Blocking(listener, () =>
        {
            child = listener.TryAccept(out long r);
            return r;
        });
        if (child is null)
        {
            return result;
        }
        family = listener.Family;
        peer = new IPEndPoint(child.Id.RemoteAddress.ToIPAddress(), child.Id.RemotePort);
        return Add(DrillSocket.Accepted(host, listener.Family, child));
    }

    public long Connect(int fd, IPEndPoint remote)
    {
        if (Socket(fd) is not DrillSocket socket)
        {
            return Exists(fd) ? -Errno.ENOTSOCK : -Errno.EBADF;
        }
        long started = socket.Connect(remote);
        if (started != -Errno.EINPROGRESS || socket.NonBlocking)
        {
            return started;
        }
        long result = host.Block(() =>
        {
            long r = socket.PollConnect();
            return r == -Errno.EINPROGRESS ? -Errno.EAGAIN : r;
        });
        return result == -Errno.EAGAIN ? -Errno.ETIMEDOUT : result;
    }

    public long Read(int fd, Span<byte> destination, bool dontWait) =>
        Socket(fd) is DrillSocket s ? Blocking(s, ReadAttempt(s, destination), dontWait) : BadFd(fd);

    private unsafe Func<long> ReadAttempt(DrillSocket s, Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            nint address = (nint)p; // the caller's buffer is native memory that outlives the call
            int length = destination.Length;
            return () => s.Read(new Span<byte>((void*)address, length));
        }
    }

    /// <summary>A blocking socket's write takes everything (waiting for room); a non-blocking one what fits.</summary>
    public unsafe long Write(int fd, ReadOnlySpan<byte> source, bool dontWait, TcpWriteFlags flags = TcpWriteFlags.None)
    {
        if (Socket(fd) is not DrillSocket s)
        {
            return BadFd(fd);
        }
        fixed (byte* p = source)
        {
            nint address = (nint)p;
            int length = source.Length;
            long done = 0;
            long result = Blocking(s, () =>
            {
                if (done > 0 && s.Endpoint is not null && !Readiness.Writable(s.Endpoint))
                {
                    return -Errno.EAGAIN; // Linux's sk_stream_wait_memory resumes only once the socket is writable again
                }
                long r = s.Write(new ReadOnlySpan<byte>((void*)(address + (nint)done), length - (int)done), flags);
                if (r > 0)
                {
                    done += r;
                    return done == length || s.NonBlocking || dontWait ? done : -Errno.EAGAIN;
                }
                return done > 0 && r != -Errno.EAGAIN ? done : r;
            }, dontWait);
            return done > 0 ? done : result;
        }
    }

    public long Close(int fd)
    {
        object? file;
        lock (_lock)
        {
            if (!_files.Remove(fd, out file))
            {
                return -Errno.EBADF;
            }
        }
        (file as DrillSocket)?.Close();
        return 0;
    }

    public void CloseAll()
    {
        int[] fds;
        lock (_lock)
        {
            fds = [.. _files.Keys];
        }
        foreach (int fd in fds)
        {
            Close(fd);
        }
    }

    private long Blocking(DrillSocket socket, Func<long> attempt, bool dontWait = false) =>
        socket.NonBlocking || dontWait ? attempt() : host.Block(attempt);

    public long BadFd(int fd) => Exists(fd) ? -Errno.ENOTSOCK : -Errno.EBADF;
}
