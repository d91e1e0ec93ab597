using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>What the network layer knows about an inbound transport datagram: its addresses, protocol, interface and TTL/hop limit.</summary>
public readonly record struct TransportPacketInfo(NetAddress Source, NetAddress Destination, byte Protocol, int InterfaceId, byte HopLimit);
