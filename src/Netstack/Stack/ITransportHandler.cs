using Netstack.Buffers;

namespace Netstack.Stack;

/// <summary>
/// A transport protocol (TCP, UDP) as the network layer sees it: the upward half of gVisor's
/// TransportDispatcher. Registered once per stack by protocol number through
/// <see cref="NetStack.GetOrAddTransport{T}"/>; one handler serves both IPv4 and IPv6.
/// </summary>
public interface ITransportHandler
{
    /// <summary>The IP protocol number (<c>IpProtocol.Tcp</c>, <c>IpProtocol.Udp</c>).</summary>
    byte Protocol { get; }

    /// <summary>
    /// Handles one inbound datagram. <paramref name="packet"/> starts at the transport header (the IP header
    /// and any extension headers are trimmed, link padding is cut) and the handler owns its reference.
    /// Called on a dispatcher thread, which must not block; sends made here are batched to the link.
    /// </summary>
    void HandlePacket(in TransportPacketInfo info, PacketBuffer packet);

    /// <summary>Handles an ICMP error that quotes a datagram of this protocol (unreachable, too big, time exceeded).</summary>
    void HandleError(in TransportErrorInfo error)
    {
    }
}
