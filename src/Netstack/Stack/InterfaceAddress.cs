using System.Globalization;
using System.Net;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// An address assigned to an interface with its on-link prefix length ("10.9.0.2/24"). <see cref="IPNetwork"/>
/// cannot carry this: it clears the host bits, so "10.9.0.2/24" would become 10.9.0.0.
/// </summary>
public readonly record struct InterfaceAddress(NetAddress Address, int PrefixLength)
{
    /// <summary>Parses "address/prefix" (or a bare address, taken as /32 or /128).</summary>
    public static InterfaceAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        NetAddress address = NetAddress.Parse(slash < 0 ? text : text[..slash]);
        int width = address.IsV6 ? 128 : 32;
        int prefix = slash < 0 ? width : int.Parse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        if (prefix > width)
        {
            throw new FormatException($"Prefix length {prefix} is too long for {address}.");
        }
        return new InterfaceAddress(address, prefix);
    }

    /// <summary>Parses "address/prefix" text (as <see cref="Parse"/>), so a string can be given where an address is expected.</summary>
    public static implicit operator InterfaceAddress(string text) => Parse(text);

    /// <summary>The on-link network.</summary>
    public NetAddress Network => Address.Mask(PrefixLength);

    /// <summary>"address/prefix", e.g. "10.0.0.1/24".</summary>
    public override string ToString() => $"{Address}/{PrefixLength}";
}
