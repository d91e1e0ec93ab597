using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli;

/// <summary>Parsers for option values System.CommandLine does not know (CIDR prefixes), reporting one-line errors.</summary>
public static class OptionParsers
{
    /// <summary>Returns a parser for an integer option that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Func<ArgumentResult, int> IntegerInRange(string optionName, int min, int max) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value)
            || value < min || value > max)
        {
            result.AddError($"{optionName} must be an integer from {min} to {max}, not '{text}'.");
            return 0;
        }
        return value;
    };

    /// <summary>Parses every token as an address with prefix length (<c>10.0.0.2/24</c>, <c>fd00::2/64</c>); the host bits are kept.</summary>
    public static InterfaceAddress[] ParseInterfaceAddresses(ArgumentResult result)
    {
        var addresses = new InterfaceAddress[result.Tokens.Count];
        for (int i = 0; i < addresses.Length; i++)
        {
            string text = result.Tokens[i].Value;
            if (!TryParseInterfaceAddress(text, out addresses[i]))
            {
                result.AddError($"'{text}' is not an address with a prefix length such as 10.0.0.2/24 or fd00::2/64.");
                return [];
            }
        }
        return addresses;
    }

    /// <summary>Parses "address/prefix"; unlike <see cref="InterfaceAddress.Parse"/> the prefix is required and zone ids are refused.</summary>
    public static bool TryParseInterfaceAddress(string text, out InterfaceAddress value)
    {
        value = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || text.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(text.AsSpan(0, slash), out IPAddress? address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
        {
            return false;
        }
        if (prefix > (address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32))
        {
            return false;
        }
        value = new InterfaceAddress(NetAddress.FromIPAddress(address), prefix);
        return true;
    }
}
