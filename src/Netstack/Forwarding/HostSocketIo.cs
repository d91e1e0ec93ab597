using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Netstack.Interop;

namespace Netstack.Forwarding;

/// <summary>
/// Connects and sends on host sockets with the system calls themselves, so the runtime's socket engine never
/// registers them. Once the runtime has made an asynchronous call on a socket, its epoll thread is woken by every
/// arrival on it for the rest of the connection: on the peek path that was a second wake-up per arrival, besides
/// the one the forwarder's own readiness set needs. Here a connect or a full send buffer waits on one shared
/// one-shot epoll thread instead (rare events), and everything else is a non-blocking call on the caller's thread.
/// </summary>
internal static class HostSocketIo
{
    private const int MaxVectors = 64;
    private static readonly ConcurrentDictionary<ulong, TaskCompletionSource> Waiters = new();
    private static readonly Lazy<int> Epoll = new(StartWaiter);
    private static long _nextId;

    /// <summary>Connects a new non-blocking TCP socket to <paramref name="target"/>; throws <see cref="SocketException"/> as connect(2) fails.</summary>
    public static async ValueTask<Socket> ConnectAsync(IPEndPoint target, bool noDelay, CancellationToken cancellationToken)
    {
        int family = target.AddressFamily == AddressFamily.InterNetworkV6 ? 10 /* AF_INET6 */ : LibC.AF_INET;
        int fd = LibC.Socket(family, LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, LibC.IPPROTO_TCP);
        if (fd < 0)
        {
            throw new SocketException((int)ToSocketError(Errno.Last));
        }
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        try
        {
            if (noDelay)
            {
                SetInt(fd, LibC.IPPROTO_TCP, LibC.TCP_NODELAY, 1);
            }
            if (!StartConnect(fd, target))
            {
                await WaitAsync(fd, LibC.EPOLLOUT, cancellationToken).ConfigureAwait(false);
                int error = PendingError(fd);
                if (error != 0)
                {
                    throw new SocketException((int)ToSocketError(error));
                }
            }
            return new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static unsafe void SetInt(int fd, int level, int name, int value) => _ = LibC.SetSockOpt(fd, level, name, &value, sizeof(int));

    /// <summary>SO_ERROR: how the connect ended (0 = connected).</summary>
    private static unsafe int PendingError(int fd)
    {
        int error = 0;
        uint length = sizeof(int);
        return LibC.GetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, &error, &length) < 0 ? Errno.Last : error;
    }

    /// <returns>True when connected at once, false when in progress.</returns>
    private static unsafe bool StartConnect(int fd, IPEndPoint target)
    {
        SocketAddress address = target.Serialize(); // the platform's sockaddr layout on Linux
        Span<byte> bytes = stackalloc byte[address.Size];
        address.Buffer.Span[..address.Size].CopyTo(bytes);
        fixed (byte* p = bytes)
        {
            if (LibC.Connect(fd, p, (uint)bytes.Length) == 0)
            {
                return true;
            }
        }
        int errno = Errno.Last;
        return errno == LibC.EINPROGRESS ? false : throw new SocketException((int)ToSocketError(errno));
    }

    /// <summary>
    /// Sends every byte of <paramref name="buffers"/> (pinned arrays: the stack's packet blocks) with non-blocking
    /// <c>sendmsg</c> calls, an iovec per buffer; waits for room when the socket's send buffer is full.
    /// </summary>
    public static async ValueTask SendAsync(Socket socket, List<ArraySegment<byte>> buffers, CancellationToken cancellationToken)
    {
        int first = 0;
        int skip = 0; // bytes of buffers[first] already sent
        while (first < buffers.Count)
        {
            int errno = SendSome(socket.SafeHandle, buffers, ref first, ref skip);
            if (errno == Errno.EAGAIN)
            {
                await WaitAsync((int)socket.SafeHandle.DangerousGetHandle(), LibC.EPOLLOUT, cancellationToken).ConfigureAwait(false);
            }
            else if (errno != 0 && errno != Errno.EINTR)
            {
                throw new SocketException((int)ToSocketError(errno));
            }
        }
    }

    /// <returns>0 after a send (the cursor advanced), or the errno.</returns>
    private static unsafe int SendSome(SafeHandle handle, List<ArraySegment<byte>> buffers, ref int first, ref int skip)
    {
        IoVec* vectors = stackalloc IoVec[MaxVectors];
        int count = Math.Min(MaxVectors, buffers.Count - first);
        for (int i = 0; i < count; i++)
        {
            ArraySegment<byte> b = buffers[first + i];
            int offset = i == 0 ? skip : 0;
            // The blocks live on the pinned object heap (PacketPool), so their addresses hold without a fixed.
            vectors[i].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(b.Array!)) + b.Offset + offset;
            vectors[i].Length = (nuint)(b.Count - offset);
        }
        MsgHdr message = new() { Vectors = vectors, VectorCount = (nuint)count };
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint n = LibC.SendMsg((int)handle.DangerousGetHandle(), &message, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
            if (n < 0)
            {
                return Errno.Last;
            }
            while (n > 0)
            {
                int left = buffers[first].Count - skip;
                if (n < left)
                {
                    skip += (int)n;
                    break;
                }
                n -= left;
                first++;
                skip = 0;
            }
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Completes when <paramref name="fd"/> reports <paramref name="events"/> (or an error or hang-up); one waiter per descriptor at a time.</summary>
    private static async Task WaitAsync(int fd, uint events, CancellationToken cancellationToken)
    {
        ulong id = (ulong)Interlocked.Increment(ref _nextId);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Waiters[id] = ready;
        if (Control(LibC.EPOLL_CTL_ADD, fd, events | LibC.EPOLLONESHOT, id) < 0)
        {
            Waiters.TryRemove(id, out _);
            throw new SocketException((int)ToSocketError(Errno.Last));
        }
        try
        {
            await ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Waiters.TryRemove(id, out _);
            _ = Control(LibC.EPOLL_CTL_DEL, fd, 0, 0); // before the caller may close the descriptor
        }
    }

    private static unsafe int Control(int op, int fd, uint events, ulong id)
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            EpollEventX64 ev = new() { Events = events, Data = id };
            return LibC.EpollCtl(Epoll.Value, op, fd, &ev);
        }
        EpollEventGeneric generic = new() { Events = events, Data = id };
        return LibC.EpollCtl(Epoll.Value, op, fd, &generic);
    }

    private static int StartWaiter()
    {
        int epfd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (epfd < 0)
        {
            throw Errno.ToException(Errno.Last, "epoll_create1");
        }
        new Thread(() => RunWaiter(epfd)) { IsBackground = true, Name = "netstack host io" }.Start();
        return epfd;
    }

    private static unsafe void RunWaiter(int epfd)
    {
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        EpollEventGeneric* events = stackalloc EpollEventGeneric[16];
        while (true)
        {
            int n = LibC.EpollWait(epfd, events, 16, -1);
            for (int i = 0; i < n; i++)
            {
                ulong id = x64 ? ((EpollEventX64*)events)[i].Data : events[i].Data;
                if (Waiters.TryRemove(id, out TaskCompletionSource? ready))
                {
                    ready.TrySetResult();
                }
            }
        }
    }

    /// <summary>The errno values a connect or send reports, as the runtime's <see cref="SocketError"/>.</summary>
    internal static SocketError ToSocketError(int errno) => errno switch
    {
        111 => SocketError.ConnectionRefused, // ECONNREFUSED
        110 => SocketError.TimedOut, // ETIMEDOUT
        101 => SocketError.NetworkUnreachable, // ENETUNREACH
        113 => SocketError.HostUnreachable, // EHOSTUNREACH
        104 => SocketError.ConnectionReset, // ECONNRESET
        32 => SocketError.Shutdown, // EPIPE
        13 or 1 => SocketError.AccessDenied, // EACCES, EPERM
        99 => SocketError.AddressNotAvailable, // EADDRNOTAVAIL
        97 => SocketError.AddressFamilyNotSupported, // EAFNOSUPPORT
        24 or 23 => SocketError.TooManyOpenSockets, // EMFILE, ENFILE
        105 or 12 => SocketError.NoBufferSpaceAvailable, // ENOBUFS, ENOMEM
        100 => SocketError.NetworkDown, // ENETDOWN
        _ => SocketError.SocketError,
    };
}
