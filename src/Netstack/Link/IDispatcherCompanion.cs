namespace Netstack.Link;

/// <summary>
/// Work a link's dispatcher thread takes on besides reading the link, with one wait for both: the companion's epoll
/// set also watches the link's descriptor and its stop descriptor, so the thread sleeps in one <c>epoll_wait</c> and
/// learns in that call everything that is ready. The forwarder's host-socket readiness runs this way: the thread that
/// handles the namespace's ACKs also sends what host sockets received, with no hand-off between threads, no lock
/// contention and no second wait per wake-up (pasta's one-thread shape).
/// </summary>
internal interface IDispatcherCompanion : IDisposable
{
    /// <summary>Whether work is waiting for a retry: the dispatcher then wakes within a millisecond even if nothing arrives.</summary>
    bool HasDeferredWork { get; }

    /// <summary>
    /// Finishes what the last batch left staged (datagrams gathered for one send), then sleeps until
    /// <paramref name="linkFd"/> or <paramref name="stopFd"/> is readable, the companion has work, or
    /// <paramref name="timeoutMilliseconds"/> pass (-1: no limit; a timeout reports <see cref="DispatcherWake.Companion"/>
    /// so deferred work is retried). The first call adds both descriptors to the companion's set.
    /// </summary>
    DispatcherWake Wait(int linkFd, int stopFd, int timeoutMilliseconds);

    /// <summary>Does the work the last <see cref="Wait"/> found, without blocking; called on the dispatcher thread.</summary>
    void RunReady();
}
