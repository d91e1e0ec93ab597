using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// How the user-mode forwarder reaches a destination on the host side: one host-side TCP connection or UDP flow
/// per connection or flow the namespace opens. <see cref="DirectDialer"/> uses the host's own sockets and routing;
/// <see cref="Socks5Dialer"/> goes through a SOCKS5 proxy (RFC 1928).
/// </summary>
/// <remarks>
/// Every failure to reach the destination is a <see cref="SocketException"/> whose
/// <see cref="SocketException.SocketErrorCode"/> is what a direct connect would have given
/// (<see cref="SocketError.ConnectionRefused"/>, <see cref="SocketError.HostUnreachable"/>,
/// <see cref="SocketError.NetworkUnreachable"/>, <see cref="SocketError.TimedOut"/>,
/// <see cref="SocketError.AccessDenied"/>, ...), so the forwarder can answer the namespace the same way
/// (RST for refused, ICMP unreachable for unreachable) whichever dialer is in use. Cancellation by the caller's
/// token is an <see cref="OperationCanceledException"/>, never a <see cref="SocketException"/>.
/// </remarks>
public interface IOutboundDialer
{
    /// <summary>
    /// Opens a TCP connection to <paramref name="destination"/> and returns the connected socket. For a proxy it is
    /// the connection to the proxy after a successful CONNECT reply, so the caller just relays bytes both ways.
    /// </summary>
    /// <exception cref="SocketException">The destination could not be reached; the error code says why.</exception>
    ValueTask<Socket> ConnectTcpAsync(IPEndPoint destination, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a UDP flow to <paramref name="destination"/>: the forwarder opens one per (namespace address and
    /// port, destination), so replies reach the right namespace socket.
    /// </summary>
    /// <exception cref="SocketException">The flow could not be set up; the error code says why.</exception>
    ValueTask<IOutboundUdpFlow> OpenUdpAsync(IPEndPoint destination, CancellationToken cancellationToken);
}
