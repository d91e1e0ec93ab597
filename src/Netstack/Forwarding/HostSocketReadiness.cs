using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Netstack.Interop;

namespace Netstack.Forwarding;

/// <summary>
/// One edge-triggered epoll set and one thread for every peek-path host socket of the process: a socket reports
/// each arrival of data, its FIN and errors (EPOLLIN | EPOLLRDHUP | EPOLLET, epoll(7)), and its source wakes its
/// relay. Edge-triggered matters: the queue is never empty while bytes wait for the peer's ACK, so level-triggered
/// readiness (the runtime's zero-byte receive) would report "readable" again at once, every time.
/// </summary>
internal static unsafe class HostSocketReadiness
{
    private const int MaxEvents = 64;
    private static readonly ConcurrentDictionary<ulong, HostSocketSendSource> Sources = new();
    private static readonly Lazy<int> Epoll = new(Start);
    private static long _nextId;

    /// <summary>Watches <paramref name="fd"/> for <paramref name="source"/>; returns the key for <see cref="Unregister"/>, or 0 on failure.</summary>
    public static ulong Register(int fd, HostSocketSendSource source)
    {
        ulong id = (ulong)Interlocked.Increment(ref _nextId);
        Sources[id] = source;
        uint events = LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLET;
        int rc;
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            EpollEventX64 ev = new() { Events = events, Data = id };
            rc = LibC.EpollCtl(Epoll.Value, LibC.EPOLL_CTL_ADD, fd, &ev);
        }
        else
        {
            EpollEventGeneric ev = new() { Events = events, Data = id };
            rc = LibC.EpollCtl(Epoll.Value, LibC.EPOLL_CTL_ADD, fd, &ev);
        }
        if (rc < 0)
        {
            Sources.TryRemove(id, out _);
            return 0;
        }
        return id;
    }

    /// <summary>Stops watching (before the socket closes; a late event for the key finds nothing).</summary>
    public static void Unregister(int fd, ulong id)
    {
        if (id == 0)
        {
            return;
        }
        Sources.TryRemove(id, out _);
        EpollEventGeneric unused = default; // ignored for DEL since Linux 2.6.9
        _ = LibC.EpollCtl(Epoll.Value, LibC.EPOLL_CTL_DEL, fd, &unused);
    }

    private static int Start()
    {
        int epfd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (epfd < 0)
        {
            throw Errno.ToException(Errno.Last, "epoll_create1");
        }
        var thread = new Thread(() => Run(epfd)) { IsBackground = true, Name = "netstack host readiness" };
        thread.Start();
        return epfd;
    }

    private static void Run(int epfd)
    {
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        EpollEventGeneric* events = stackalloc EpollEventGeneric[MaxEvents]; // the larger layout: room for either
        while (true)
        {
            int n = LibC.EpollWait(epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Errno.Last == Errno.EINTR)
                {
                    continue;
                }
                return;
            }
            for (int i = 0; i < n; i++)
            {
                ulong id = x64 ? ((EpollEventX64*)events)[i].Data : events[i].Data;
                if (Sources.TryGetValue(id, out HostSocketSendSource? source))
                {
                    source.OnReadiness();
                }
            }
        }
    }
}
