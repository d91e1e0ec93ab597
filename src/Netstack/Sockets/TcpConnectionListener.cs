using System.Net;
using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>
/// A listening TCP socket of a <see cref="NetStack"/> (or the accept queue of a forwarder):
/// <see cref="AcceptAsync"/> hands out established connections. Disposing stops listening and
/// resets connections that were never accepted.
/// </summary>
public sealed class TcpConnectionListener : IAsyncDisposable, IDisposable
{
    private readonly TcpListenSocket _socket;
    private readonly Action? _onDispose;
    private int _disposed;

    internal TcpConnectionListener(TcpListenSocket socket, IPEndPoint localEndPoint, Action? onDispose)
    {
        _socket = socket;
        LocalEndPoint = localEndPoint;
        _onDispose = onDispose;
    }

    /// <summary>The address and port listened on (the port is the chosen one when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The protocol-level listener (for diagnostics and tests).</summary>
    internal TcpListenSocket Socket => _socket;

    /// <summary>Waits for the next established connection.</summary>
    public async ValueTask<TcpConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            TcpEndpoint? child = _socket.TryAccept(armWaiter: true, out SocketError error);
            if (child is not null)
            {
                return new TcpConnection(child);
            }
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }
            await _socket.AcceptWaiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening (once) and resets connections that completed the handshake but were never accepted.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Close();
            _onDispose?.Invoke();
        }
    }

    /// <summary>As <see cref="Dispose"/>; completes synchronously.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>"TCP listener ADDRESS:PORT".</summary>
    public override string ToString() => $"TCP listener {LocalEndPoint}";
}
