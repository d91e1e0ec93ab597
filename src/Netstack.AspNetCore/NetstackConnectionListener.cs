using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Netstack.Sockets;

namespace Netstack.AspNetCore;

/// <summary>
/// A listening socket of the stack that hands Kestrel <see cref="NetstackConnection"/>s; AcceptAsync returns null
/// once unbound, which ends Kestrel's accept loop.
/// </summary>
internal sealed class NetstackConnectionListener : IConnectionListener
{
    private readonly TcpConnectionListener _listener;
    private readonly MemoryPool<byte> _memoryPool;
    private readonly bool _ownsMemoryPool;
    private readonly NetstackTransportOptions _options;
    private volatile bool _unbound;

    /// <summary>A listener over <paramref name="listener"/>; it disposes <paramref name="memoryPool"/> with itself when <paramref name="ownsMemoryPool"/>.</summary>
    public NetstackConnectionListener(TcpConnectionListener listener, MemoryPool<byte> memoryPool, bool ownsMemoryPool, NetstackTransportOptions options)
    {
        _listener = listener;
        _memoryPool = memoryPool;
        _ownsMemoryPool = ownsMemoryPool;
        _options = options;
    }

    public EndPoint EndPoint => _listener.LocalEndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        TcpConnection tcp;
        try
        {
            tcp = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException) when (_unbound)
        {
            return null;
        }
        tcp.NoDelay = _options.NoDelay;
        var connection = new NetstackConnection(tcp, _memoryPool, _options);
        connection.Start();
        return connection;
    }

    /// <summary>Stops listening: handshakes not yet accepted are reset, the pending accept returns null.</summary>
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Unbinds and frees the memory pool (Kestrel disposes a listener after its connections are gone).</summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        if (_ownsMemoryPool)
        {
            _memoryPool.Dispose();
        }
    }

    public override string ToString() => _listener.ToString();
}
