using System.Net;

namespace Netstack.Cli.Run;

/// <summary><c>--outbound socks5://HOST:PORT</c>: carry outbound TCP (CONNECT) and UDP (UDP ASSOCIATE) through a SOCKS5 server (RFC 1928).</summary>
public sealed record OutboundProxy(string Host, int Port)
{
    /// <summary>Parses <c>socks5://HOST:PORT</c> (HOST a name, an IPv4 address or a bracketed IPv6 address); on failure a one-line reason.</summary>
    public static bool TryParse(string text, out OutboundProxy? proxy, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        proxy = null;
        error = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme != "socks5")
        {
            error = $"'{text}' is not a socks5://HOST:PORT URL";
            return false;
        }
        if (uri.IsDefaultPort || uri.Port is < 1 or > 65535 || uri.Host.Length == 0)
        {
            error = $"'{text}' needs a host and a port (socks5://HOST:PORT)";
            return false;
        }
        if (uri.UserInfo.Length > 0 || uri.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            error = $"'{text}' may have only a host and a port (no user, path or query)";
            return false;
        }
        string host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        proxy = new OutboundProxy(host, uri.Port);
        return true;
    }

    /// <summary>The URL form <see cref="TryParse"/> reads.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"socks5://{(IPAddress.TryParse(Host, out IPAddress? a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Host}]" : Host)}:{Port}");
}
