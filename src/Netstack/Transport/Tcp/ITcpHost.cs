using Netstack.Stack;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// What TCP needs from the stack below it: a packet pool, a clock, timers, routes, ports and a way
/// to send. Keeping it this small lets the whole protocol run against a hand-driven host in tests.
/// </summary>
public interface ITcpHost
{
    PacketPool Pool { get; }

    /// <summary>The clock behind <see cref="Now"/> (for the RFC 6528 ISN clock).</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Monotonic time since the host started.</summary>
    TimeSpan Now { get; }

    /// <summary>Sends a TCP segment (header + payload with headroom in front); takes the reference.</summary>
    void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route);

    bool TryFindRoute(NetAddress destination, out RouteInfo route);

    /// <summary>Creates a reusable timer; the callback runs on a timer thread, never under a TCP lock.</summary>
    object CreateTimer(Action<object?> callback, object? state);

    void ScheduleTimer(object timer, TimeSpan delay);

    void CancelTimer(object timer);

    bool TryReservePort(NetAddress local, ushort port);

    /// <summary>An ephemeral port for the flow, 0 when exhausted.</summary>
    ushort ReserveEphemeralPort(NetAddress local, NetAddress remote, ushort remotePort);

    void ReleasePort(NetAddress local, ushort port);

    /// <summary>
    /// A queue that keeps one connection's segments in the order it produced them when they are written after its
    /// lock is released (see <see cref="FlushTransmitQueue"/>); null when <see cref="Send(PacketBuffer, NetAddress, NetAddress, in RouteInfo)"/> writes at once.
    /// </summary>
    object? CreateTransmitQueue() => null;

    /// <summary>Sends a segment through the connection's transmit queue: nothing reaches the link before <see cref="FlushTransmitQueue"/>.</summary>
    void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route, object? transmitQueue) =>
        Send(packet, source, destination, route);

    /// <summary>Writes what the queue holds, in order; TCP calls it after releasing its lock.</summary>
    void FlushTransmitQueue(object transmitQueue)
    {
    }
}
