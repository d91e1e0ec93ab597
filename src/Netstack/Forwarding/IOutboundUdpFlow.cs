using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// One UDP flow to one destination opened by an <see cref="IOutboundDialer"/>. One send and one receive may run at
/// the same time; disposing ends a pending receive.
/// </summary>
public interface IOutboundUdpFlow : IAsyncDisposable
{
    /// <summary>The destination this flow sends to and accepts datagrams from.</summary>
    IPEndPoint Destination { get; }

    /// <summary>Sends one datagram to the destination.</summary>
    /// <exception cref="SocketException">The host socket failed (for example an earlier ICMP port unreachable).</exception>
    ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken);

    /// <summary>
    /// Receives one datagram from the destination into <paramref name="buffer"/> and returns its length;
    /// datagrams from anyone else are dropped. A datagram longer than the buffer is truncated, as <c>recv</c> does.
    /// </summary>
    /// <exception cref="SocketException">The flow failed or ended (for SOCKS5: the control connection closed).</exception>
    /// <exception cref="ObjectDisposedException">The flow was disposed.</exception>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}
