using System.Net;

namespace Netstack.Sockets;

/// <summary>The outcome of <see cref="UdpSocket.ReceiveFromAsync"/>: bytes copied into the caller's buffer and who sent them.</summary>
public readonly record struct UdpReceiveFromResult(int ReceivedBytes, IPEndPoint RemoteEndPoint);
