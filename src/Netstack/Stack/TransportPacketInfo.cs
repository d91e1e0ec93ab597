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
}
