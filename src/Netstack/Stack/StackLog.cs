using Microsoft.Extensions.Logging;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// The stack's log events (category <c>Netstack.Stack</c>), through the LoggerMessage source generator: each method
/// checks <see cref="ILogger.IsEnabled"/> before it formats or boxes anything, so a disabled level costs one call.
/// Drops are at Trace (one event per dropped packet, only when Trace is on), failures at Warning.
/// </summary>
internal static partial class StackLog
{
    /// <summary>The category of the stack's own events.</summary>
    public const string Category = "Netstack.Stack";

    [LoggerMessage(EventId = 100, Level = LogLevel.Trace, Message = "Dropped an {Protocol} packet of {Length} bytes: {Reason}")]
    public static partial void PacketDropped(ILogger logger, string protocol, int length, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Trace, Message = "Dropped a UDP datagram {Source}:{SourcePort} -> {Destination}:{DestinationPort}: {Reason}")]
    public static partial void DatagramDropped(ILogger logger, NetAddress source, ushort sourcePort, NetAddress destination, ushort destinationPort, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Trace, Message = "Dropped a UDP datagram from {Source}:{SourcePort}: {Reason}")]
    public static partial void DatagramFromDropped(ILogger logger, NetAddress source, ushort sourcePort, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Handling an inbound packet threw; the packet is dropped and counted (InDiscards), later ones are logged at Trace")]
    public static partial void PacketHandlingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 111, Level = LogLevel.Trace, Message = "Handling an inbound packet threw; the packet is dropped and counted (InDiscards)")]
    public static partial void PacketHandlingFailedAgain(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "The link {Link} failed ({Reason}); it receives nothing more")]
    public static partial void LinkFailed(ILogger logger, string link, string reason);
}
