using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>Well-known IPv6 addresses (RFC 4291 §2.7).</summary>
public static class Ipv6Addresses
{
    /// <summary>ff02::1, the link-local all-nodes group.</summary>
    public static readonly NetAddress AllNodes = new(new UInt128(0xff02_0000_0000_0000UL, 1), true);

    /// <summary>The solicited-node multicast address ff02::1:ffXX:XXXX of <paramref name="address"/> (RFC 4291 §2.7.1).</summary>
    public static NetAddress SolicitedNode(NetAddress address) =>
        new(new UInt128(0xff02_0000_0000_0000UL, 0x0000_0001_ff00_0000UL | ((ulong)address.Bits & 0xFF_FFFF)), true);

    /// <summary>Whether <paramref name="address"/> is link-local unicast (fe80::/10).</summary>
    public static bool IsLinkLocal(NetAddress address) => address.IsV6 && (ulong)(address.Bits >> 118) == 0x3FA;
}
