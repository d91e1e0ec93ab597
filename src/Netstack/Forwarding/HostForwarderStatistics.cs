using System.Diagnostics.Metrics;
using Netstack.Stack;

namespace Netstack.Forwarding;

/// <summary>
/// The mutable counters behind <see cref="HostForwarderStatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class HostForwarderStatistics
{
    public long TcpConnections;
    public long TcpRefused;
    public long TcpUnreachable;
    public long TcpOverLimit;
    public long TcpPeekConnections;
    public long TcpOpen;
    public long UdpFlows;
    public long UdpIdleClosed;
    public long UdpSendDropped;
    public long EchoRequests;
    public long EchoReplies;
    public long BytesOut;
    public long BytesIn;

    /// <summary>Publishes every counter on <paramref name="meter"/> (instrument names in the README's Metrics section).</summary>
    public void Register(Meter meter)
    {
        StatisticsInstruments.Counter(meter, "netstack.forwarder.tcp.connections", "{connection}", "TCP connections carried (the host connect succeeded and the handshake completed).", () => Interlocked.Read(ref TcpConnections));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.tcp.refused", "{connection}", "TCP connections refused because the host connect was refused (answered RST).", () => Interlocked.Read(ref TcpRefused));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.tcp.unreachable", "{connection}", "TCP connections that could not reach their destination (answered ICMP unreachable or RST).", () => Interlocked.Read(ref TcpUnreachable));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.tcp.over_limit", "{connection}", "TCP connections refused because MaxFlows were open.", () => Interlocked.Read(ref TcpOverLimit));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.tcp.peek_connections", "{connection}", "TCP connections whose host-to-stack direction ran on the peek path (PeekOffset).", () => Interlocked.Read(ref TcpPeekConnections));
        StatisticsInstruments.UpDown(meter, "netstack.forwarder.tcp.open", "{connection}", "TCP connections open now (a gauge).", () => Interlocked.Read(ref TcpOpen));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.udp.flows", "{flow}", "UDP flows opened.", () => Interlocked.Read(ref UdpFlows));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.udp.idle_closed", "{flow}", "UDP flows closed after UdpIdleTimeout without traffic.", () => Interlocked.Read(ref UdpIdleClosed));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.udp.send_dropped", "{datagram}", "Datagrams from the stack dropped because the host socket's send buffer was full (UDP does not wait).", () => Interlocked.Read(ref UdpSendDropped));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.icmp.echo_requests", "{message}", "Echo requests carried to the host.", () => Interlocked.Read(ref EchoRequests));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.icmp.echo_replies", "{message}", "Echo replies that came back from the host and were delivered.", () => Interlocked.Read(ref EchoReplies));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.bytes.to_host", "By", "Bytes carried from the stack's peers to the host.", () => Interlocked.Read(ref BytesOut));
        StatisticsInstruments.Counter(meter, "netstack.forwarder.bytes.from_host", "By", "Bytes carried from the host back to the stack's peers.", () => Interlocked.Read(ref BytesIn));
    }
}
