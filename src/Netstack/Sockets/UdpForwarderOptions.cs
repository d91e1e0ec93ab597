namespace Netstack.Sockets;

/// <summary>How a UDP forwarder (<see cref="ForwardingExtensions.ForwardUdp"/>) opens flows.</summary>
public sealed class UdpForwarderOptions
{
    /// <summary>Flows open at once; datagrams of new flows beyond it are dropped and counted. Default 65536.</summary>
    public int MaxFlows { get; init; } = 65536;

    /// <summary>Called once, the first time a datagram is dropped because <see cref="MaxFlows"/> are open (for a one-line log).</summary>
    public Action? LimitReached { get; init; }

    /// <summary>Each flow socket's receive buffer (see <see cref="UdpSocket.ReceiveBufferSize"/>). Default 256 KiB.</summary>
    public int ReceiveBufferSize { get; init; } = 256 * 1024;

    /// <summary>
    /// Run a flow reader's continuation on the dispatcher that delivered the datagram instead of the thread pool: one
    /// thread hop less per datagram, for handlers whose receive loop never blocks (see <see cref="UdpSocket"/>).
    /// </summary>
    internal bool CompletesInline { get; init; }
}
