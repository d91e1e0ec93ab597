using System.Net;
using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>The TCP entry points on <see cref="NetStack"/>: listen, connect, forward.</summary>
public static class TcpSocketExtensions
{
    /// <summary>The stack's TCP protocol (created on first use).</summary>
    internal static TcpProtocol GetTcp(this NetStack stack) => TcpProtocol.For(stack);

    /// <summary>Listens on <paramref name="endpoint"/> (Any / IPv6Any for every local address).</summary>
    /// <exception cref="SocketException">AddressAlreadyInUse when the port is taken.</exception>
    public static TcpConnectionListener ListenTcp(this NetStack stack, IPEndPoint endpoint, int backlog = 128, TcpEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(endpoint);
        TcpProtocol tcp = TcpProtocol.For(stack);
        NetAddress local = NetAddress.FromIPAddress(endpoint.Address);
        ushort port = (ushort)endpoint.Port;
        if (port == 0)
        {
            port = stack.Ports.ReserveEphemeral(TcpProtocol.ProtocolNumber, local, local, 0);
            if (port == 0)
            {
                throw new SocketException((int)SocketError.AddressNotAvailable);
            }
        }
        else if (!stack.Ports.TryReserve(TcpProtocol.ProtocolNumber, local, port))
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        TcpListenSocket socket;
        try
        {
            socket = tcp.Listen(local, port, backlog, options);
        }
        catch
        {
            stack.Ports.Release(TcpProtocol.ProtocolNumber, local, port);
            throw;
        }
        return new TcpConnectionListener(socket, new IPEndPoint(endpoint.Address, port), () => stack.Ports.Release(TcpProtocol.ProtocolNumber, local, port));
    }

    /// <summary>
    /// Connects to <paramref name="remote"/>. Fails with <see cref="SocketException"/>
    /// (ConnectionRefused, TimedOut, NetworkUnreachable, AddressNotAvailable, ...); cancellation
    /// aborts the attempt and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static ValueTask<TcpConnection> ConnectTcpAsync(this NetStack stack, IPEndPoint remote, CancellationToken cancellationToken = default) =>
        ConnectTcpAsync(stack, remote, timeout: null, options: null, cancellationToken);

    /// <summary>Connects with a timeout (on the stack's clock; TimedOut when it expires) and per-connection options.</summary>
    public static async ValueTask<TcpConnection> ConnectTcpAsync(this NetStack stack, IPEndPoint remote, TimeSpan? timeout, TcpEndpointOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(remote);
        cancellationToken.ThrowIfCancellationRequested();
        TcpProtocol tcp = TcpProtocol.For(stack);
        TcpEndpoint endpoint = tcp.Connect(NetAddress.FromIPAddress(remote.Address), (ushort)remote.Port, out SocketError error, options);
        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }
        await WaitUntilEstablishedAsync(endpoint, timeout, stack.TimeProvider, cancellationToken).ConfigureAwait(false);
        return new TcpConnection(endpoint);
    }

    /// <summary>
    /// Waits until a connecting endpoint (SYN-SENT or SYN-RECEIVED) is established. Throws <see cref="SocketException"/>
    /// with the reason it failed, TimedOut when <paramref name="timeout"/> (on the stack's clock, so a fake clock drives
    /// it too) expires; cancellation aborts the endpoint.
    /// </summary>
    internal static async ValueTask WaitUntilEstablishedAsync(TcpEndpoint endpoint, TimeSpan? timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var timer = timeout is TimeSpan delay ? new CancellationTokenSource(delay, clock) : null;
        using CancellationTokenSource? linked = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        CancellationToken token = linked?.Token ?? cancellationToken;
        while (true)
        {
            SocketError state = endpoint.PollConnect(armWaiter: true);
            if (state == SocketError.Success)
            {
                return;
            }
            if (state != SocketError.IOPending)
            {
                throw new SocketException((int)state);
            }
            try
            {
                await endpoint.WriteWaiter.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                endpoint.Abort();
                if (timer is not null && timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                throw;
            }
        }
    }

    /// <summary>
    /// Forwarder mode (gVisor's <c>tcp.Forwarder</c>, asynchronous): every SYN to an address and port nobody listens
    /// on becomes a <see cref="TcpForwarderRequest"/> handed to <paramref name="handler"/> on the thread pool, which
    /// answers it when it has decided — typically after dialling the real destination. While the forwarder is open the
    /// stack accepts packets to every unicast address (<see cref="NetStack.AcceptAnyDestination"/>). Dispose the
    /// result to stop.
    /// </summary>
    public static ForwarderRegistration ForwardTcp(this NetStack stack, Action<TcpForwarderRequest> handler, TcpForwarderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(handler);
        TcpProtocol tcp = TcpProtocol.For(stack);
        var forwarder = new TcpForwarder(stack, tcp, handler, options ?? new TcpForwarderOptions());
        if (Interlocked.CompareExchange(ref tcp.ForwarderSlot, forwarder, null) is not null)
        {
            throw new InvalidOperationException("The stack already has a TCP forwarder.");
        }
        stack.EnterForwarding(); // SYNs to addresses that are not ours must reach TCP
        return new ForwarderRegistration(() =>
        {
            Interlocked.CompareExchange(ref tcp.ForwarderSlot, null, forwarder);
            forwarder.Close();
            stack.ExitForwarding();
        }, () => forwarder.PendingCount);
    }

    /// <summary>
    /// Connects to <paramref name="remote"/> from <paramref name="local"/>, which need not be one of the stack's
    /// addresses when a forwarder is open (user-mode networking connects into a namespace as the real client).
    /// </summary>
    public static async ValueTask<TcpConnection> ConnectTcpAsync(this NetStack stack, IPEndPoint remote, IPEndPoint local, TimeSpan? timeout = null, TcpEndpointOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        cancellationToken.ThrowIfCancellationRequested();
        TcpProtocol tcp = TcpProtocol.For(stack);
        TcpEndpoint endpoint = tcp.Connect(NetAddress.FromIPAddress(remote.Address), (ushort)remote.Port, out SocketError error, options,
            NetAddress.FromIPAddress(local.Address), (ushort)local.Port);
        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }
        await WaitUntilEstablishedAsync(endpoint, timeout, stack.TimeProvider, cancellationToken).ConfigureAwait(false);
        return new TcpConnection(endpoint);
    }

    /// <summary>
    /// A <c>SocketsHttpHandler.ConnectCallback</c> that opens HTTP connections through this stack, so an
    /// <c>HttpClient</c> talks through the userspace network. The host must be an IP literal (the host's resolver
    /// would leak names outside the stack): <see cref="HttpExtensions.CreateHttpConnectCallback(NetStack, NameResolution.INameResolver)"/>
    /// resolves names, and <see cref="HttpExtensions.CreateHttpHandler"/> also keeps HTTP/3 (QUIC on host sockets) out.
    /// </summary>
    public static Func<System.Net.Http.SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> CreateHttpConnectCallback(this NetStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return async (context, cancellationToken) =>
        {
            DnsEndPoint target = context.DnsEndPoint;
            string host = target.Host.StartsWith('[') && target.Host.EndsWith(']') ? target.Host[1..^1] : target.Host;
            if (!IPAddress.TryParse(host, out IPAddress? address))
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }
            TcpConnection connection = await stack.ConnectTcpAsync(new IPEndPoint(address, target.Port), cancellationToken).ConfigureAwait(false);
            connection.NoDelay = true;
            return connection.Stream;
        };
    }
}
