using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Netstack.NameResolution;
using Netstack.Stack;

namespace Netstack.Sockets;

/// <summary>HttpClient over a <see cref="NetStack"/>, with host names resolved by an <see cref="INameResolver"/> (typically a <see cref="DnsResolver"/> asking through the same stack).</summary>
public static class HttpExtensions
{
    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the request's host with
    /// <paramref name="resolver"/> (IP literals need none) and connects through this stack to the addresses in turn,
    /// Happy Eyeballs style (RFC 8305: families interleaved, the next attempt starting after 250 ms on the stack's
    /// clock or at once when one fails; the first to connect wins). Nothing reaches the host's resolver.
    /// </summary>
    /// <remarks>
    /// The callback only sees TCP connections: a handler that allows HTTP/3 opens QUIC on host sockets without it.
    /// <see cref="CreateHttpHandler"/> builds a handler that cannot.
    /// </remarks>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> CreateHttpConnectCallback(this NetStack stack, INameResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(resolver);
        return async (context, cancellationToken) =>
        {
            DnsEndPoint target = context.DnsEndPoint;
            IPAddress[] addresses = await resolver.ResolveAsync(target.Host, target.AddressFamily, cancellationToken).ConfigureAwait(false);
            TcpConnection connection = await HappyEyeballsConnector.ConnectAsync(stack, addresses, target.Port, cancellationToken).ConfigureAwait(false);
            connection.NoDelay = true;
            return connection.Stream;
        };
    }

    /// <summary>
    /// A handler for <see cref="HttpClient"/> whose every connection goes through this stack: a
    /// <see cref="SocketsHttpHandler"/> (<paramref name="handler"/>, or a new one) with
    /// <see cref="CreateHttpConnectCallback(NetStack, INameResolver)"/> as its connect callback (IP literals only when
    /// <paramref name="resolver"/> is null), no proxy (<see cref="SocketsHttpHandler.UseProxy"/> off: the host's proxy
    /// settings describe the host's network), and HTTP/2 at most: HTTP/3 would run QUIC over host sockets, so requests
    /// are rewritten not to allow it, and one that requires it fails with <see cref="HttpRequestException"/>.
    /// Disposing the result disposes <paramref name="handler"/>.
    /// </summary>
    public static HttpMessageHandler CreateHttpHandler(this NetStack stack, INameResolver? resolver = null, SocketsHttpHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        handler ??= new SocketsHttpHandler();
        handler.UseProxy = false;
        handler.ConnectCallback = resolver is null ? stack.CreateHttpConnectCallback() : stack.CreateHttpConnectCallback(resolver);
        return new HttpVersionCap(handler);
    }
}
