using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Netstack.Forwarding;

/// <summary>
/// The host forwarder's log events (category <c>Netstack.Forwarding</c>): flows opened and closed at Debug, a host
/// connect that failed at Debug, a limit hit or a feature the host lacks at Warning. Nothing per packet.
/// </summary>
internal static partial class ForwarderLog
{
    /// <summary>The category of the forwarder's events.</summary>
    public const string Category = "Netstack.Forwarding";

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Forwarding TCP {Peer} -> {Requested} to {Destination}")]
    public static partial void TcpFlowOpened(ILogger logger, EndPoint peer, EndPoint requested, EndPoint destination);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "TCP flow {Peer} -> {Requested} closed")]
    public static partial void TcpFlowClosed(ILogger logger, EndPoint peer, EndPoint requested);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "TCP {Peer} -> {Requested}: no host connection to {Destination} ({Error})")]
    public static partial void TcpDialFailed(ILogger logger, EndPoint peer, EndPoint requested, EndPoint? destination, SocketError error);

    [LoggerMessage(EventId = 310, Level = LogLevel.Debug, Message = "Forwarding UDP {Peer} -> {Requested} to {Destination}")]
    public static partial void UdpFlowOpened(ILogger logger, EndPoint? peer, EndPoint? requested, EndPoint destination);

    [LoggerMessage(EventId = 311, Level = LogLevel.Debug, Message = "UDP flow {Peer} -> {Requested} closed")]
    public static partial void UdpFlowClosed(ILogger logger, EndPoint? peer, EndPoint? requested);

    [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void Warning(ILogger logger, string warning);
}
