using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// What the network layer knows about an inbound transport datagram: its addresses, protocol, interface, TTL/hop
/// limit, and the length of the IP header (with any extension headers) left in the headroom in front of it.
/// </summary>
public readonly record struct TransportPacketInfo(NetAddress Source, NetAddress Destination, byte Protocol, int InterfaceId, byte HopLimit, int NetworkHeaderLength = 0);
