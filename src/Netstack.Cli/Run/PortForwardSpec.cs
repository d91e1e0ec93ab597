using System.Globalization;
using System.Net;

namespace Netstack.Cli.Run;

/// <summary>
/// One <c>-t</c>/<c>-u</c> inbound forward, <c>[ADDR/]HOSTPORT[-HOSTPORT2][:NSPORT[-NSPORT2]]</c> (pasta's syntax):
/// the host listens on <see cref="Address"/> (every address when null) on ports <see cref="HostFirst"/> to
/// <see cref="HostLast"/> and connects into the namespace on the same offset from <see cref="NamespaceFirst"/>.
/// Without <c>:NSPORT</c> the namespace ports equal the host ports.
/// </summary>
public sealed record PortForwardSpec(IPAddress? Address, int HostFirst, int HostLast, int NamespaceFirst, int NamespaceLast)
{
    /// <summary>How many ports the forward covers (both ranges have this length).</summary>
    public int Count => HostLast - HostFirst + 1;

    /// <summary>Parses a SPEC; on failure returns false with a one-line reason.</summary>
    public static bool TryParse(string text, out PortForwardSpec? spec, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        spec = null;
        error = null;
        IPAddress? address = null;
        string ports = text;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string host = text[..slash];
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }
            if (host.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(host, out address))
            {
                error = $"'{text[..slash]}' is not an IPv4 or IPv6 address";
                return false;
            }
            ports = text[(slash + 1)..];
        }
        string[] sides = ports.Split(':');
        if (sides.Length > 2)
        {
            error = "expected [ADDR/]HOSTPORT[-HOSTPORT2][:NSPORT[-NSPORT2]] (an IPv6 ADDR is followed by '/')";
            return false;
        }
        if (!TryParseRange(sides[0], out int hostFirst, out int hostLast, out error))
        {
            return false;
        }
        int nsFirst = hostFirst, nsLast = hostLast;
        if (sides.Length == 2 && !TryParseRange(sides[1], out nsFirst, out nsLast, out error))
        {
            return false;
        }
        if (nsLast - nsFirst != hostLast - hostFirst)
        {
            error = $"the host range {hostFirst}-{hostLast} and the namespace range {nsFirst}-{nsLast} differ in length";
            return false;
        }
        spec = new PortForwardSpec(address, hostFirst, hostLast, nsFirst, nsLast);
        return true;
    }

    private static bool TryParseRange(string text, out int first, out int last, out string? error)
    {
        error = null;
        last = 0;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (!TryParsePort(dash < 0 ? text : text[..dash], out first, out error)
            || !TryParsePort(dash < 0 ? text : text[(dash + 1)..], out last, out error))
        {
            return false;
        }
        if (last < first)
        {
            error = $"the range {first}-{last} runs backwards";
            return false;
        }
        return true;
    }

    private static bool TryParsePort(string text, out int port, out string? error)
    {
        error = null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"'{text}' is not a port from 1 to 65535";
            return false;
        }
        return true;
    }

    /// <summary>The SPEC in the form <see cref="TryParse"/> reads (IPv6 addresses in brackets).</summary>
    public override string ToString()
    {
        string address = Address is null ? "" : (Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]/" : $"{Address}/");
        return FormattableString.Invariant($"{address}{Range(HostFirst, HostLast)}:{Range(NamespaceFirst, NamespaceLast)}");
    }

    private static string Range(int first, int last) =>
        first == last ? first.ToString(CultureInfo.InvariantCulture) : FormattableString.Invariant($"{first}-{last}");
}
