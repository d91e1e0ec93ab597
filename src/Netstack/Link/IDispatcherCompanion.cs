namespace Netstack.Link;

/// <summary>
/// Work a link's dispatcher thread takes on besides reading the link: it also sleeps on <see cref="WaitFd"/> and
/// calls <see cref="RunReady"/> when that is readable. The forwarder's host-socket readiness runs this way, so the
/// thread that handles the namespace's ACKs also sends what host sockets received, with no hand-off between threads
/// and no lock contention (pasta's one-thread shape).
/// </summary>
internal interface IDispatcherCompanion : IDisposable
{
    /// <summary>A pollable descriptor (an epoll set) that is readable when there is work.</summary>
    int WaitFd { get; }

    /// <summary>Whether work is waiting for a retry: the dispatcher then wakes within a millisecond even if nothing arrives.</summary>
    bool HasDeferredWork { get; }

    /// <summary>Does what is ready, without blocking; called on the dispatcher thread.</summary>
    void RunReady();
}
