using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Forwarding;

/// <summary>
/// One inbound TCP port forward (<c>netstack run -t</c>): a host listener whose clients are connected into the stack's
/// network, to the namespace's address and port, from the client's own address (see <see cref="InboundTarget"/>).
/// A connection the namespace refuses is reset on the host side too.
/// </summary>
public sealed class InboundTcpForward : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new(); // never disposed: relays still ending may read its token (it holds no timer)
    private readonly Task _accepting;

    private readonly HostSocketReadiness? _readiness;
    private readonly bool _ownsReadiness;

    private InboundTcpForward(NetStack stack, Socket listener, InboundTarget target, int port, HostForwarderStatistics stats, int bufferSize, HostSocketReadiness? readiness, bool ownsReadiness)
    {
        _listener = listener;
        _readiness = readiness;
        _ownsReadiness = ownsReadiness;
        _accepting = AcceptLoopAsync(stack, target, port, stats, bufferSize);
    }

    /// <summary>
    /// Serves <paramref name="listener"/> (bound and listening) into the stack's <paramref name="port"/>;
    /// <paramref name="peekOffset"/> as <see cref="HostForwarderOptions.PeekOffset"/> (used only where the kernel supports it).
    /// </summary>
    internal static InboundTcpForward Start(NetStack stack, Socket listener, InboundTarget target, int port, HostForwarderStatistics stats, int bufferSize = 64 * 1024, bool peekOffset = true)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(stats);
        HostSocketReadiness? readiness = null;
        if (peekOffset && HostSocketSendSource.IsSupported)
        {
            readiness = new HostSocketReadiness(stats);
            readiness.StartThread();
        }
        return new InboundTcpForward(stack, listener, target, port, stats, bufferSize, readiness, ownsReadiness: true);
    }

    /// <summary>Serves <paramref name="listener"/> into the stack's <paramref name="port"/> with <paramref name="forwarder"/>'s statistics and host-socket readiness.</summary>
    public static InboundTcpForward Start(NetStack stack, Socket listener, InboundTarget target, int port, HostForwarder forwarder)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(forwarder);
        return new InboundTcpForward(stack, listener, target, port, forwarder.Statistics, 64 * 1024, forwarder.PeekReadiness, ownsReadiness: false);
    }

    private async Task AcceptLoopAsync(NetStack stack, InboundTarget target, int port, HostForwarderStatistics stats, int bufferSize)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested || e is ObjectDisposedException)
                {
                    return;
                }
                continue; // a client that went away during accept
            }
            _ = CarryAsync(stack, client, target, port, stats, bufferSize);
        }
    }

    private async Task CarryAsync(NetStack stack, Socket client, InboundTarget target, int port, HostForwarderStatistics stats, int bufferSize)
    {
        if (!target.TryResolve((IPEndPoint)client.RemoteEndPoint!, port, out IPEndPoint destination, out IPEndPoint source))
        {
            Reset(client);
            return;
        }
        TcpConnection connection;
        try
        {
            connection = await stack.ConnectTcpAsync(destination, source, timeout: TimeSpan.FromSeconds(60), cancellationToken: _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Reset(client); // the namespace refused (or did not answer): so does the host port
            return;
        }
        client.NoDelay = true;
        Interlocked.Increment(ref stats.TcpConnections);
        await TcpRelay.RunAsync(connection, client, bufferSize, _readiness, stats, _stop.Token).ConfigureAwait(false);
    }

    private static void Reset(Socket client)
    {
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    /// <summary>Stops accepting, closes the host listener and waits for the accept loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_ownsReadiness)
        {
            _readiness?.Dispose();
        }
    }
}
