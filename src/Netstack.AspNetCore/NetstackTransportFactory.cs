using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.AspNetCore;

/// <summary>
/// Kestrel's transport over a <see cref="NetStack"/>: binds Kestrel's endpoints as listening sockets of the stack and
/// hands their connections to Kestrel. As a <see cref="IConnectionListenerFactorySelector"/> it takes only the
/// <see cref="IPEndPoint"/>s the stack can listen on — an address assigned to one of its interfaces, or the
/// any-address (every address of the stack, IPv4 and IPv6) — so other endpoints (localhost, a Unix socket, an address
/// of the host) go to Kestrel's other transports. Registered by <see cref="NetstackWebHostBuilderExtensions.UseNetstack"/>.
/// </summary>
public sealed class NetstackTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly NetStack _stack;
    private readonly NetstackTransportOptions _options;
    private readonly IMemoryPoolFactory<byte>? _memoryPoolFactory;

    /// <summary>A transport over <paramref name="stack"/>.</summary>
    /// <param name="stack">The stack whose listening sockets Kestrel gets.</param>
    /// <param name="options">Listener and connection settings; the defaults when null.</param>
    /// <param name="memoryPoolFactory">
    /// Where each listener gets the memory pool for its connections' output pipes (Kestrel registers one);
    /// <see cref="MemoryPool{T}.Shared"/> when null.
    /// </param>
    public NetstackTransportFactory(NetStack stack, NetstackTransportOptions? options = null, IMemoryPoolFactory<byte>? memoryPoolFactory = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        _options = options ?? new NetstackTransportOptions();
        _memoryPoolFactory = memoryPoolFactory;
    }

    /// <summary>
    /// True for an <see cref="IPEndPoint"/> whose address is the any-address (<see cref="IPAddress.Any"/>,
    /// <see cref="IPAddress.IPv6Any"/>) or assigned to one of the stack's interfaces now.
    /// </summary>
    public bool CanBind(EndPoint endpoint) =>
        endpoint is IPEndPoint ip
        && (ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any) || _stack.IsLocalAddress(NetAddress.FromIPAddress(ip.Address)));

    /// <summary>Listens on <paramref name="endpoint"/> in the stack (port 0 picks a free port, reported by the listener's EndPoint).</summary>
    /// <exception cref="NotSupportedException">The endpoint is not one <see cref="CanBind"/> accepts.</exception>
    /// <exception cref="AddressInUseException">The stack already listens on that address and port.</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!CanBind(endpoint))
        {
            throw new NotSupportedException($"The stack has no address {endpoint} to listen on.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        TcpConnectionListener listener;
        try
        {
            listener = _stack.ListenTcp((IPEndPoint)endpoint, _options.Backlog, _options.EndpointOptions);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(e.Message, e);
        }
        MemoryPool<byte> pool = _memoryPoolFactory?.Create(new MemoryPoolOptions { Owner = "netstack" }) ?? MemoryPool<byte>.Shared;
        return ValueTask.FromResult<IConnectionListener>(new NetstackConnectionListener(listener, pool, ownsMemoryPool: _memoryPoolFactory is not null, _options));
    }
}
