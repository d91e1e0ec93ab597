using System.Net;

namespace Netstack.Sockets;

/// <summary>The outcome of <see cref="UdpSocket.ReceiveFromAsync(Memory{byte}, CancellationToken)"/>: bytes copied into the caller's buffer and who sent them.</summary>
public readonly record struct UdpReceiveFromResult(int ReceivedBytes, IPEndPoint RemoteEndPoint)
{
    /// <summary>
    /// 0 when the bytes are one datagram. Otherwise (only with <see cref="UdpSocket.ReceiveCoalesced"/>) they are
    /// several datagrams of this many bytes back to back, the last one possibly shorter — what Linux reports in the
    /// UDP_GRO control message.
    /// </summary>
    public int SegmentSize { get; init; }
}
