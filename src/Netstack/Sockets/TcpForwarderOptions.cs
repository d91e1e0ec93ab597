using Netstack.Transport.Tcp;

namespace Netstack.Sockets;

/// <summary>How a TCP forwarder (<see cref="TcpSocketExtensions.ForwardTcp"/>) holds and answers SYNs.</summary>
public sealed class TcpForwarderOptions
{
    /// <summary>
    /// SYNs held while their handlers decide (dial). Beyond it new SYNs are dropped and counted, and the peers retry
    /// as they would against a full listen queue. Default 1024.
    /// </summary>
    public int MaxPendingRequests { get; init; } = 1024;

    /// <summary>Called once, the first time a SYN is dropped because <see cref="MaxPendingRequests"/> are pending (for a one-line log).</summary>
    public Action? LimitReached { get; init; }

    /// <summary>Options accepted connections start from; the stack's TCP defaults when null.</summary>
    public TcpEndpointOptions? EndpointOptions { get; init; }
}
