using Netstack.Buffers;

namespace Netstack.Stack;

/// <summary>
/// A transport protocol (TCP, UDP) as the network layer sees it: the upward half of gVisor's
/// TransportDispatcher. Registered once per stack by protocol number through
/// <see cref="NetStack.GetOrAddTransport{T}"/>; one handler serves both IPv4 and IPv6.
/// </summary>
internal interface ITransportHandler
{
    /// <summary>The IP protocol number (<c>IpProtocol.Tcp</c>, <c>IpProtocol.Udp</c>).</summary>
    byte Protocol { get; }

    /// <summary>
    /// Handles one inbound datagram. <paramref name="packet"/> starts at the transport header (the IP header
    /// and any extension headers are trimmed into the headroom, link padding is cut). Called on a dispatcher thread,
    /// which must not block; replies go where <paramref name="tx"/> says (the dispatcher's batch).
    /// </summary>
    /// <returns>
    /// What became of the datagram (gVisor's <c>TransportPacketDisposition</c>). The handler owns the packet's
    /// reference, except for <see cref="TransportDisposition.PortUnreachable"/>: then the packet is handed back
    /// untouched, and the network layer quotes it in its ICMP error and releases it.
    /// </returns>
    TransportDisposition HandlePacket(in TransportPacketInfo info, PacketBuffer packet, in TransmitContext tx);

    /// <summary>Handles an ICMP error that quotes a datagram of this protocol (unreachable, too big, time exceeded).</summary>
    void HandleError(in TransportErrorInfo error)
    {
    }
}
