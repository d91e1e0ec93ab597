using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// TCP's log events (category <c>Netstack.Tcp</c>): one Debug event when a connection is established and one when it
/// ends (closed, reset or failed), with its four-tuple seen from this stack. Nothing per segment.
/// </summary>
internal static partial class TcpLog
{
    /// <summary>The category of TCP's events.</summary>
    public const string Category = "Netstack.Tcp";

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "TCP {LocalAddress}:{LocalPort} -> {RemoteAddress}:{RemotePort} established")]
    public static partial void Established(ILogger logger, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "TCP {LocalAddress}:{LocalPort} -> {RemoteAddress}:{RemotePort} closed from {State}")]
    public static partial void Closed(ILogger logger, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort, TcpConnectionState state);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "TCP {LocalAddress}:{LocalPort} -> {RemoteAddress}:{RemotePort} reset in {State} ({Error})")]
    public static partial void Reset(ILogger logger, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort, TcpConnectionState state, SocketError error);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "TCP {LocalAddress}:{LocalPort} -> {RemoteAddress}:{RemotePort} ended in {State}: {Error}")]
    public static partial void Failed(ILogger logger, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort, TcpConnectionState state, SocketError error);

    [LoggerMessage(EventId = 210, Level = LogLevel.Trace, Message = "Dropped a TCP segment {Source} -> {Destination} of {Length} bytes: {Reason}")]
    public static partial void SegmentDropped(ILogger logger, NetAddress source, NetAddress destination, int length, string reason);

    /// <summary>The end of a connection, at Debug: how it ended decides the event.</summary>
    public static void Ended(ILogger logger, in FourTuple id, TcpConnectionState state, SocketError error)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }
        switch (error)
        {
            case SocketError.Success or SocketError.OperationAborted:
                Closed(logger, id.LocalAddress, id.LocalPort, id.RemoteAddress, id.RemotePort, state);
                break;
            case SocketError.ConnectionReset or SocketError.ConnectionAborted:
                Reset(logger, id.LocalAddress, id.LocalPort, id.RemoteAddress, id.RemotePort, state, error);
                break;
            default:
                Failed(logger, id.LocalAddress, id.LocalPort, id.RemoteAddress, id.RemotePort, state, error);
                break;
        }
    }
}
