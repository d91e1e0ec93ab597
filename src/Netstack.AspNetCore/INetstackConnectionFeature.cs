using Netstack.Sockets;

namespace Netstack.AspNetCore;

/// <summary>
/// A feature of every connection the Netstack transport accepts (<c>HttpContext.Features</c> and the connection's
/// features): the stack's <see cref="TcpConnection"/> underneath, for its <see cref="TcpConnection.GetInfo"/>
/// (RTT, windows, retransmissions) or its socket options. Reading or writing its stream would corrupt the HTTP
/// connection: Kestrel owns the byte stream.
/// </summary>
public interface INetstackConnectionFeature
{
    /// <summary>The TCP connection of the stack this Kestrel connection runs on.</summary>
    TcpConnection Connection { get; }
}
