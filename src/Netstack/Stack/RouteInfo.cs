using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// The outcome of a route lookup, everything a transport needs to build and size packets for a destination:
/// the interface, the source address to use, the next hop (the destination itself when on-link), and the
/// link's MTU, GSO limit and offload capabilities.
/// </summary>
public readonly record struct RouteInfo(int InterfaceId, NetAddress LocalAddress, NetAddress NextHop, int Mtu, int GsoMaxSize, LinkCapabilities Capabilities);
