using Microsoft.Extensions.Logging;

namespace Netstack.Forwarding;

/// <summary>How a <see cref="HostForwarder"/> carries a stack's traffic over host sockets.</summary>
public sealed class HostForwarderOptions
{
    /// <summary>How destinations are reached (direct host sockets or a SOCKS5 proxy).</summary>
    public required IOutboundDialer Dialer { get; init; }

    /// <summary>Rewrites destinations before dialling: the gateway to the host's loopback, the DNS address to the host's resolver.</summary>
    public DestinationMap Map { get; init; } = new();

    /// <summary>A UDP flow with no datagram either way for this long is closed (pasta and slirp4netns use 180 s).</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>TCP connection attempts dialling at once; SYNs beyond it are dropped and counted, and the peer retries.</summary>
    public int MaxPendingDials { get; init; } = 1024;

    /// <summary>Open flows at once, TCP connections and UDP flows each; beyond it new ones are refused (TCP) or dropped (UDP) and counted.</summary>
    public int MaxFlows { get; init; } = 65536;

    /// <summary>Relay buffer per direction of a TCP connection or UDP flow, rented while it is open.</summary>
    public int BufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Host → stack TCP leaves the bytes in the host socket's receive queue until the stack's peer acknowledges them,
    /// peeking segments straight into packet buffers (SO_PEEK_OFF, Linux 6.10+) instead of copying through a relay
    /// buffer and the endpoint's send buffer. Default: on where the kernel supports it; where it does not, the option
    /// has no effect and the copying relay is used.
    /// </summary>
    public bool PeekOffset { get; init; } = HostSocketSendSource.IsSupported;

    /// <summary>Carry pings to other hosts through the host's unprivileged ping sockets (when the host allows them).</summary>
    public bool ForwardIcmpEcho { get; init; } = true;

    /// <summary>The clock of the idle timeouts (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Receives one line when something noteworthy happens once (a limit hit for the first time, ping sockets
    /// unavailable). The same lines are logged at Warning (category <c>Netstack.Forwarding</c>) to <see cref="LoggerFactory"/>.
    /// </summary>
    public Action<string>? Warn { get; init; }

    /// <summary>
    /// Where the forwarder logs (category <c>Netstack.Forwarding</c>): flows opened and closed and host connects that
    /// failed at Debug, limits hit at Warning; nothing per packet. Null (the default): the stack's
    /// <see cref="Stack.NetStackOptions.LoggerFactory"/>.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
