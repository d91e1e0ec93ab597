using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>A UDP flow of <see cref="DirectDialer"/>: one host UDP socket connected to the destination.</summary>
internal sealed class DirectUdpFlow : IOutboundUdpFlow
{
    private readonly Socket _socket;

    public DirectUdpFlow(Socket socket, IPEndPoint destination)
    {
        _socket = socket;
        Destination = destination;
    }

    public IPEndPoint Destination { get; }

    /// <summary>The connected host socket (for <see cref="DirectUdpRelay"/>, which reads and writes it itself).</summary>
    internal Socket Socket => _socket;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        await _socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
