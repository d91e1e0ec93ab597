namespace Netstack.Forwarding;

/// <summary>What a <see cref="HostForwarder"/> has carried and refused (read with <see cref="Interlocked.Read(ref readonly long)"/>).</summary>
public sealed class HostForwarderStatistics
{
    /// <summary>TCP connections carried (host connect succeeded and the handshake completed).</summary>
    public long TcpConnections;

    /// <summary>TCP connections refused because the host connect was refused (answered RST).</summary>
    public long TcpRefused;

    /// <summary>TCP connections that could not reach their destination (answered ICMP unreachable or RST).</summary>
    public long TcpUnreachable;

    /// <summary>TCP connections refused because <see cref="HostForwarderOptions.MaxFlows"/> were open.</summary>
    public long TcpOverLimit;

    /// <summary>TCP connections whose host → stack direction ran on the peek path (<see cref="HostForwarderOptions.PeekOffset"/>).</summary>
    public long TcpPeekConnections;

    /// <summary>TCP connections open now.</summary>
    public long TcpOpen;

    /// <summary>UDP flows opened.</summary>
    public long UdpFlows;

    /// <summary>UDP flows closed after <see cref="HostForwarderOptions.UdpIdleTimeout"/> without traffic.</summary>
    public long UdpIdleClosed;

    /// <summary>Datagrams from the stack dropped because the host socket's send buffer was full (UDP does not wait).</summary>
    public long UdpSendDropped;

    /// <summary>Echo requests carried, and the replies that came back.</summary>
    public long EchoRequests;

    public long EchoReplies;

    /// <summary>Bytes carried from the stack's peers to the host, and back.</summary>
    public long BytesOut;

    public long BytesIn;
}
