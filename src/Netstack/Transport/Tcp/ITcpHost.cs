using Netstack.Stack;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// What TCP needs from the stack below it: a packet pool, a clock, timers, routes, ports and a way
/// to send. Keeping it this small lets the whole protocol run against a hand-driven host in tests.
/// </summary>
internal interface ITcpHost
{
    PacketPool Pool { get; }

    /// <summary>The clock behind <see cref="Now"/> (for the RFC 6528 ISN clock).</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Monotonic time since the host started.</summary>
    TimeSpan Now { get; }

    /// <summary>
    /// Sends a TCP segment (header + payload with headroom in front) where <paramref name="tx"/> says: through a
    /// connection's transmit queue (nothing reaches the link before <see cref="FlushTransmitQueue"/>), into the
    /// dispatcher's outbound batch, or at once, with <paramref name="ecn"/> in its IP header (RFC 3168 §6.1.4: ECT on new
    /// data of an ECN connection, Not-ECT otherwise) and <paramref name="typeOfService"/> in the six bits above it (the
    /// connection's IP_TOS); IPv4 packets carry Don't Fragment unless <paramref name="dontFragment"/> is false. Takes the reference.
    /// </summary>
    void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route, in TransmitContext tx, EcnCodepoint ecn = EcnCodepoint.NotEct, byte typeOfService = 0, bool dontFragment = true);

    bool TryFindRoute(NetAddress destination, out RouteInfo route);

    /// <summary>Creates a reusable timer; the callback runs on a timer thread, never under a TCP lock.</summary>
    ITcpTimer CreateTimer(Action<object?> callback, object? state);

    bool TryReservePort(NetAddress local, ushort port);

    void ReleasePort(NetAddress local, ushort port);

    /// <summary>
    /// An ephemeral port for <paramref name="endpoint"/>'s connection from <paramref name="local"/> to
    /// (<paramref name="remote"/>, <paramref name="remotePort"/>), in use only for that four-tuple (RFC 6056 §3.3.4):
    /// each candidate is offered to <see cref="TcpEndpoint.TryClaimLocalPort"/>, which registers the connection
    /// when the four-tuple is free. 0 when every port is taken towards that destination.
    /// </summary>
    ushort ReserveConnectionPort(TcpEndpoint endpoint, NetAddress local, NetAddress remote, ushort remotePort);

    /// <summary>Gives back a port <see cref="ReserveConnectionPort"/> returned.</summary>
    void ReleaseConnectionPort(NetAddress local, ushort port);

    /// <summary>A queue that keeps one connection's segments in the order it produced them when they are written after its lock is released.</summary>
    TransmitQueue CreateTransmitQueue();

    /// <summary>
    /// Writes what the queue holds, in order; TCP calls it after releasing its lock. With a dispatcher's batch in
    /// <paramref name="tx"/> the write waits for the end of that batch (one flush per batch).
    /// </summary>
    void FlushTransmitQueue(TransmitQueue queue, in TransmitContext tx);
}
