using System.Runtime.InteropServices;

namespace Netstack.Cli;

/// <summary>
/// Turns SIGINT and SIGTERM into a cancellation, so a long-running command shuts down cleanly (flushing pcap,
/// closing the device) and exits 0 instead of being killed by the default handlers.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private const int SIGINT = 2;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ShutdownSignal()
    {
        Netstack.Interop.ProcessCalls.StopIgnoring(SIGINT); // started as a background job: kill -INT must still stop us
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The signal that arrived, if any.</summary>
    public PosixSignal? Received { get; private set; }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // we shut down ourselves
        Received ??= context.Signal;
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }
}
