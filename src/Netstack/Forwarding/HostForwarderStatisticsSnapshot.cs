namespace Netstack.Forwarding;

/// <summary>
/// What a <see cref="HostForwarder"/> has carried and refused, at one moment; see
/// <see cref="HostForwarder.GetStatistics"/>. User-mode networking has no Linux counters to match (pasta and
/// slirp4netns keep none).
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct HostForwarderStatisticsSnapshot
{
    internal HostForwarderStatisticsSnapshot(HostForwarderStatistics counters)
    {
        TcpConnections = Interlocked.Read(ref counters.TcpConnections);
        TcpRefused = Interlocked.Read(ref counters.TcpRefused);
        TcpUnreachable = Interlocked.Read(ref counters.TcpUnreachable);
        TcpOverLimit = Interlocked.Read(ref counters.TcpOverLimit);
        TcpPeekConnections = Interlocked.Read(ref counters.TcpPeekConnections);
        TcpOpen = Interlocked.Read(ref counters.TcpOpen);
        UdpFlows = Interlocked.Read(ref counters.UdpFlows);
        UdpIdleClosed = Interlocked.Read(ref counters.UdpIdleClosed);
        UdpSendDropped = Interlocked.Read(ref counters.UdpSendDropped);
        EchoRequests = Interlocked.Read(ref counters.EchoRequests);
        EchoReplies = Interlocked.Read(ref counters.EchoReplies);
        BytesOut = Interlocked.Read(ref counters.BytesOut);
        BytesIn = Interlocked.Read(ref counters.BytesIn);
    }

    /// <summary>
    /// TCP connections carried (the host connect succeeded and the handshake completed). No Linux counterpart;
    /// instrument <c>netstack.forwarder.tcp.connections</c> in <c>{connection}</c>.
    /// </summary>
    public long TcpConnections { get; }

    /// <summary>
    /// TCP connections refused because the host connect was refused (answered RST). No Linux counterpart; instrument
    /// <c>netstack.forwarder.tcp.refused</c> in <c>{connection}</c>.
    /// </summary>
    public long TcpRefused { get; }

    /// <summary>
    /// TCP connections that could not reach their destination (answered ICMP unreachable or RST). No Linux counterpart;
    /// instrument <c>netstack.forwarder.tcp.unreachable</c> in <c>{connection}</c>.
    /// </summary>
    public long TcpUnreachable { get; }

    /// <summary>
    /// TCP connections refused because <see cref="HostForwarderOptions.MaxFlows"/> were open. No Linux counterpart;
    /// instrument <c>netstack.forwarder.tcp.over_limit</c> in <c>{connection}</c>.
    /// </summary>
    public long TcpOverLimit { get; }

    /// <summary>
    /// TCP connections whose host-to-stack direction ran on the peek path
    /// (<see cref="HostForwarderOptions.PeekOffset"/>). No Linux counterpart; instrument
    /// <c>netstack.forwarder.tcp.peek_connections</c> in <c>{connection}</c>.
    /// </summary>
    public long TcpPeekConnections { get; }

    /// <summary>
    /// TCP connections open now (a gauge). No Linux counterpart; instrument <c>netstack.forwarder.tcp.open</c> in
    /// <c>{connection}</c>.
    /// </summary>
    public long TcpOpen { get; }

    /// <summary>
    /// UDP flows opened. No Linux counterpart; instrument <c>netstack.forwarder.udp.flows</c> in <c>{flow}</c>.
    /// </summary>
    public long UdpFlows { get; }

    /// <summary>
    /// UDP flows closed after <see cref="HostForwarderOptions.UdpIdleTimeout"/> without traffic. No Linux counterpart;
    /// instrument <c>netstack.forwarder.udp.idle_closed</c> in <c>{flow}</c>.
    /// </summary>
    public long UdpIdleClosed { get; }

    /// <summary>
    /// Datagrams from the stack dropped because the host socket's send buffer was full (UDP does not wait). No Linux
    /// counterpart; instrument <c>netstack.forwarder.udp.send_dropped</c> in <c>{datagram}</c>.
    /// </summary>
    public long UdpSendDropped { get; }

    /// <summary>
    /// Echo requests carried to the host. No Linux counterpart; instrument <c>netstack.forwarder.icmp.echo_requests</c>
    /// in <c>{message}</c>.
    /// </summary>
    public long EchoRequests { get; }

    /// <summary>
    /// Echo replies that came back from the host and were delivered. No Linux counterpart; instrument
    /// <c>netstack.forwarder.icmp.echo_replies</c> in <c>{message}</c>.
    /// </summary>
    public long EchoReplies { get; }

    /// <summary>
    /// Bytes carried from the stack's peers to the host. No Linux counterpart; instrument
    /// <c>netstack.forwarder.bytes.to_host</c> in <c>By</c>.
    /// </summary>
    public long BytesOut { get; }

    /// <summary>
    /// Bytes carried from the host back to the stack's peers. No Linux counterpart; instrument
    /// <c>netstack.forwarder.bytes.from_host</c> in <c>By</c>.
    /// </summary>
    public long BytesIn { get; }
}
