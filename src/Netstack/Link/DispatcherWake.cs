namespace Netstack.Link;

/// <summary>What woke a link's dispatcher thread (<see cref="IDispatcherCompanion.Wait"/>).</summary>
[Flags]
internal enum DispatcherWake
{
    /// <summary>Nothing: the wait was interrupted (EINTR); wait again.</summary>
    None = 0,

    /// <summary>The link's descriptor has packets to read.</summary>
    LinkReadable = 1,

    /// <summary>The link's descriptor reports an error or hang-up (a deleted TUN device).</summary>
    LinkError = 2,

    /// <summary>The link is being disposed.</summary>
    Stop = 4,

    /// <summary>The companion has work: <see cref="IDispatcherCompanion.RunReady"/>.</summary>
    Companion = 8,

    /// <summary>The wait itself failed; the dispatcher cannot go on.</summary>
    Failed = 16,
}
