namespace Netstack.Sockets;

/// <summary>An open forwarder of a stack (TCP, UDP or ICMP echo); disposing it stops the forwarding.</summary>
public sealed class ForwarderRegistration : IDisposable, IAsyncDisposable
{
    private Action? _stop;
    private readonly Func<int> _pending;

    internal ForwarderRegistration(Action stop, Func<int> pending)
    {
        _stop = stop;
        _pending = pending;
    }

    /// <summary>Requests or flows the forwarder holds right now (TCP: SYNs awaiting an answer; UDP: open flows).</summary>
    public int Pending => _pending();

    /// <summary>Stops the forwarder (once; later calls do nothing): new SYNs, flows or echo requests no longer reach its handler.</summary>
    public void Dispose() => Interlocked.Exchange(ref _stop, null)?.Invoke();

    /// <summary>As <see cref="Dispose"/>; completes synchronously.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
