using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// What the network layer knows about an inbound transport datagram: its addresses, protocol, interface, TTL/hop
/// limit, the length of the IP header (with any extension headers) left in the headroom in front of it, and the
/// ECN codepoint the datagram arrived with.
/// </summary>
public readonly record struct TransportPacketInfo(NetAddress Source, NetAddress Destination, byte Protocol, int InterfaceId, byte HopLimit, int NetworkHeaderLength = 0)
{
    /// <summary>The ECN bits of the IPv4 type of service or IPv6 traffic class (RFC 3168 §5): CE tells TCP a router saw congestion.</summary>
    public EcnCodepoint Ecn { get; init; }

    /// <summary>
    /// The datagram was sent to a broadcast (limited or subnet-directed) or multicast address: TCP must neither answer
    /// nor open a connection for it (RFC 1122 §4.2.3.10), and no ICMP error may be sent about it (§3.2.2).
    /// </summary>
    internal bool IsBroadcastOrMulticast { get; init; }
}
