using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// The outcome of a route lookup, everything a transport needs to build and size packets for a destination:
/// the interface, the source address to use, the next hop (the destination itself when on-link), and the
/// link's MTU, GSO limit and offload capabilities.
/// </summary>
/// <remarks>
/// <see cref="Capabilities"/> and <see cref="GsoMaxSize"/> say what the stack accepts for this route, which is what
/// the link offers plus software GSO: with <see cref="NetStackOptions.Gso"/> on, a link without
/// <see cref="LinkCapabilities.Gso"/> still gets the flag and a <see cref="GsoMaxSize"/> of
/// <see cref="NetStack.SoftwareGsoMaxSize"/>, and TCP super-segments are split before they reach it.
/// <see cref="Mtu"/> is always the link's (it sizes the MSS).
/// </remarks>
public readonly record struct RouteInfo(int InterfaceId, NetAddress LocalAddress, NetAddress NextHop, int Mtu, int GsoMaxSize, LinkCapabilities Capabilities);
