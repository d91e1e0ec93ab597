namespace Netstack.Transport.Tcp;

/// <summary>A connection's one reusable timer, as its <see cref="ITcpHost"/> provides it (the stack's timer wheel, or a test's manual clock).</summary>
internal interface ITcpTimer
{
    /// <summary>Fires once after <paramref name="delay"/>, replacing any earlier schedule.</summary>
    void Schedule(TimeSpan delay);

    void Cancel();
}
