using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Netstack.Interop;
using Netstack.Link;

namespace Netstack.Forwarding;

/// <summary>
/// One epoll set for a forwarder's host sockets. Peek-path TCP sockets are watched edge-triggered: each arrival of
/// data, the FIN and errors (EPOLLIN | EPOLLRDHUP | EPOLLET, epoll(7)) make their source poll its endpoint, which
/// sends what the windows allow. Edge-triggered matters there: the queue is never empty while bytes wait for the
/// peer's ACK, so level-triggered readiness would report "readable" again at once, every time. Direct UDP flows are
/// watched level-triggered and drained (<see cref="DirectUdpRelay"/>).
/// </summary>
/// <remarks>
/// Who waits on the set: a TUN link's dispatcher, when the forwarder's stack has one (<see cref="IDispatcherCompanion"/>):
/// then the thread that handles the namespace's ACKs also sends what arrived, so nothing is handed between threads, no
/// endpoint lock is contended, and an arrival while that thread is busy costs no wake-up. The set then also watches
/// the TUN descriptor, so one <c>epoll_wait</c> reports both. Otherwise a thread of its own (<see cref="StartThread"/>).
/// Before the serving thread sleeps it sends the datagrams UDP flows staged in <see cref="Sender"/> during the batch.
/// </remarks>
internal sealed unsafe class HostSocketReadiness : IDispatcherCompanion
{
    private const int MaxEvents = 64;
    private const ulong StopKey = 0; // the set's own stop signal (a thread of its own)
    private const ulong LinkKey = ulong.MaxValue; // the dispatcher's link descriptor (companion)
    private const ulong LinkStopKey = ulong.MaxValue - 1; // the link's stop descriptor (companion)
    private readonly ConcurrentDictionary<ulong, IHostSocketHandler> _sources = new();
    private readonly List<IHostSocketHandler> _deferred = []; // polls a busy endpoint took over: looked at again
    private readonly EpollEventGeneric* _events; // the larger layout: room for either
    private readonly HostForwarderStatistics _stats;
    private int _epfd;
    private EventFd? _stop;
    private long _nextId;
    private int _ready; // events of the last wait not yet handled
    private bool _linkAttached;
    private int _servingThread; // the managed thread id that waits on the set

    public HostSocketReadiness(HostForwarderStatistics stats)
    {
        _stats = stats;
        _epfd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (_epfd < 0)
        {
            throw Errno.ToException(Errno.Last, "epoll_create1");
        }
        _events = (EpollEventGeneric*)NativeMemory.Alloc(MaxEvents, (nuint)sizeof(EpollEventGeneric));
    }

    private HostDatagramReceiver? _receiver;
    private HostDatagramSender? _sender;

    /// <summary>Batched reads of host UDP sockets; only the thread serving the set may use it.</summary>
    public HostDatagramReceiver Receiver => _receiver ??= new HostDatagramReceiver();

    /// <summary>Batched sends on host UDP sockets, flushed before the serving thread sleeps; only that thread may use it.</summary>
    public HostDatagramSender Sender => _sender ??= new HostDatagramSender(_stats);

    /// <summary>Whether the caller is the thread serving the set (so it may stage sends in <see cref="Sender"/>).</summary>
    public bool OnServingThread => Volatile.Read(ref _servingThread) == Environment.CurrentManagedThreadId;

    public bool HasDeferredWork => _deferred.Count != 0;

    /// <summary>Watches <paramref name="fd"/> edge-triggered for <paramref name="source"/> (each arrival, the FIN, errors); returns the key for <see cref="Unregister"/>, or 0 on failure.</summary>
    public ulong Register(int fd, HostSocketSendSource source) => Register(fd, source, LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLET);

    /// <summary>Watches <paramref name="fd"/> for <paramref name="handler"/> with <paramref name="events"/>; returns the key for <see cref="Unregister"/>, or 0 on failure.</summary>
    public ulong Register(int fd, IHostSocketHandler handler, uint events)
    {
        ulong id = (ulong)Interlocked.Increment(ref _nextId);
        _sources[id] = handler;
        if (Control(LibC.EPOLL_CTL_ADD, fd, events, id) < 0)
        {
            _sources.TryRemove(id, out _);
            return 0;
        }
        return id;
    }

    /// <summary>Stops watching (before the socket closes; a late event for the key finds nothing).</summary>
    public void Unregister(int fd, ulong id)
    {
        if (id == 0)
        {
            return;
        }
        _sources.TryRemove(id, out _);
        _ = Control(LibC.EPOLL_CTL_DEL, fd, 0, 0); // the event is ignored for DEL since Linux 2.6.9
    }

    /// <summary>Waits on the set with a thread of its own, until <see cref="Dispose"/>.</summary>
    public void StartThread()
    {
        _stop = new EventFd();
        if (Control(LibC.EPOLL_CTL_ADD, _stop.Fd, LibC.EPOLLIN, StopKey) < 0)
        {
            throw Errno.ToException(Errno.Last, "epoll_ctl");
        }
        var thread = new Thread(RunThread) { IsBackground = true, Name = "netstack host readiness" };
        thread.Start();
    }

    /// <inheritdoc/>
    public DispatcherWake Wait(int linkFd, int stopFd, int timeoutMilliseconds)
    {
        if (!_linkAttached)
        {
            if (Control(LibC.EPOLL_CTL_ADD, linkFd, LibC.EPOLLIN, LinkKey) < 0 || Control(LibC.EPOLL_CTL_ADD, stopFd, LibC.EPOLLIN, LinkStopKey) < 0)
            {
                return DispatcherWake.Failed;
            }
            _linkAttached = true;
        }
        int n = WaitEvents(timeoutMilliseconds);
        if (n < 0)
        {
            return n == -Errno.EINTR ? DispatcherWake.None : DispatcherWake.Failed;
        }
        DispatcherWake wake = _ready == 0 ? DispatcherWake.Companion : DispatcherWake.None; // a timeout retries deferred work
        for (int i = 0; i < _ready; i++)
        {
            (uint events, ulong id) = EventAt(i);
            wake |= id switch
            {
                LinkKey => (events & LibC.EPOLLIN) != 0 ? DispatcherWake.LinkReadable : DispatcherWake.LinkError,
                LinkStopKey => DispatcherWake.Stop,
                _ => DispatcherWake.Companion,
            };
        }
        return wake;
    }

    /// <inheritdoc/>
    public void RunReady() => HandleEvents();

    /// <summary>
    /// With a thread of its own: stops it, and it closes the set. As a link's companion: the link calls this after its
    /// dispatcher stopped, so the descriptor is closed while nobody polls it.
    /// </summary>
    public void Dispose()
    {
        if (_stop is EventFd stop)
        {
            stop.Signal();
            return;
        }
        Close();
    }

    private void RunThread()
    {
        while (true)
        {
            int n = WaitEvents(_deferred.Count == 0 ? -1 : 1);
            if (n < 0 && n != -Errno.EINTR)
            {
                break;
            }
            if (!HandleEvents())
            {
                break;
            }
        }
        Close();
    }

    /// <summary>Sends what was staged, then waits: the number of events (kept for <see cref="HandleEvents"/>), or -errno.</summary>
    private int WaitEvents(int timeout)
    {
        Volatile.Write(ref _servingThread, Environment.CurrentManagedThreadId);
        _sender?.Flush();
        int n = LibC.EpollWait(_epfd, _events, MaxEvents, timeout);
        _ready = Math.Max(n, 0);
        return n < 0 ? -Errno.Last : n;
    }

    /// <summary>Runs the handlers of the last wait's events (and the deferred ones); false once the stop signal was seen.</summary>
    private bool HandleEvents()
    {
        RetryDeferred();
        int n = _ready;
        _ready = 0;
        for (int i = 0; i < n; i++)
        {
            ulong id = EventAt(i).Id;
            if (id == StopKey)
            {
                return false;
            }
            if (id is not (LinkKey or LinkStopKey) && _sources.TryGetValue(id, out IHostSocketHandler? source) && !source.OnReadiness())
            {
                _deferred.Add(source);
            }
        }
        return true;
    }

    /// <summary>
    /// A poll that found its endpoint busy is normally done by the thread holding the lock on its way out; a holder
    /// that leaves another way (a statistics read) would strand it, so it is looked at again here.
    /// </summary>
    private void RetryDeferred()
    {
        for (int i = _deferred.Count - 1; i >= 0; i--)
        {
            IHostSocketHandler source = _deferred[i];
            if (!source.PollPending || source.OnReadiness())
            {
                _deferred.RemoveAt(i);
            }
        }
    }

    /// <summary>Event <paramref name="i"/> of the last wait, in the architecture's <c>struct epoll_event</c> layout.</summary>
    private (uint Events, ulong Id) EventAt(int i) => RuntimeInformation.ProcessArchitecture == Architecture.X64
        ? (((EpollEventX64*)_events)[i].Events, ((EpollEventX64*)_events)[i].Data)
        : (_events[i].Events, _events[i].Data);

    private int Control(int op, int fd, uint events, ulong id)
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            EpollEventX64 ev = new() { Events = events, Data = id };
            return LibC.EpollCtl(_epfd, op, fd, &ev);
        }
        EpollEventGeneric generic = new() { Events = events, Data = id };
        return LibC.EpollCtl(_epfd, op, fd, &generic);
    }

    private void Close()
    {
        int fd = Interlocked.Exchange(ref _epfd, -1);
        if (fd >= 0)
        {
            LibC.Close(fd);
            NativeMemory.Free(_events);
            _sender?.Dispose();
            _receiver?.Dispose();
        }
        _stop?.Dispose();
    }
}
