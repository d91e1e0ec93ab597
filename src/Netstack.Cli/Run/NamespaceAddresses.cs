using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli.Run;

/// <summary>
/// The namespace's addressing, one set per family (a family may be absent when only the other was asked for):
/// the namespace's own address with its prefix, the gateway its default route points at (the address our stack
/// answers as), and the DNS address <c>/etc/resolv.conf</c> names.
/// </summary>
public sealed record NamespaceAddresses(
    InterfaceAddress? Address4, NetAddress? Gateway4, NetAddress? Dns4,
    InterfaceAddress? Address6, NetAddress? Gateway6, NetAddress? Dns6)
{
    /// <summary>The gateways with the namespace's prefix lengths: the stack's interface addresses.</summary>
    public InterfaceAddress[] GatewayInterfaceAddresses()
    {
        var list = new List<InterfaceAddress>(2);
        if (Address4 is InterfaceAddress a4 && Gateway4 is NetAddress g4)
        {
            list.Add(new InterfaceAddress(g4, a4.PrefixLength));
        }
        if (Address6 is InterfaceAddress a6 && Gateway6 is NetAddress g6)
        {
            list.Add(new InterfaceAddress(g6, a6.PrefixLength));
        }
        return [.. list];
    }

    /// <summary>One line per family, what <c>--verbose</c> prints.</summary>
    public IEnumerable<string> Describe()
    {
        if (Address4 is InterfaceAddress a4)
        {
            yield return $"IPv4: address {a4}, gateway {Gateway4}, DNS {Dns4}";
        }
        if (Address6 is InterfaceAddress a6)
        {
            yield return $"IPv6: address {a6}, gateway {Gateway6}, DNS {Dns6}";
        }
    }
}
