using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// A parsed <c>socks5://[user:pass@]HOST:PORT</c>: HOST is an IPv4 literal, a bracketed IPv6 literal or a name;
/// user and password may be percent-encoded (so they can hold ':' or '@'). Nothing may follow the port except
/// one '/'.
/// </summary>
/// <param name="Host">The host as written (an IPv6 literal without brackets).</param>
/// <param name="Port">The proxy's TCP port, 1-65535.</param>
/// <param name="Credential">The RFC 1929 credential, or null.</param>
public sealed record Socks5ProxyUrl(string Host, int Port, NetworkCredential? Credential)
{
    private const string Scheme = "socks5://";

    /// <summary>Parses <paramref name="url"/>.</summary>
    /// <exception cref="ArgumentException">The URL is malformed; the message is one line naming what is wrong.</exception>
    public static Socks5ProxyUrl Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw Bad(url, "it must start with socks5://");
        }
        string rest = url[Scheme.Length..];
        if (rest.EndsWith('/'))
        {
            rest = rest[..^1];
        }
        if (rest.IndexOfAny(['/', '?', '#']) >= 0)
        {
            throw Bad(url, "nothing may follow HOST:PORT");
        }

        NetworkCredential? credential = null;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = rest[..at];
            rest = rest[(at + 1)..];
            int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == userInfo.Length - 1)
            {
                throw Bad(url, "credentials must be user:password, both non-empty");
            }
            credential = new NetworkCredential(Uri.UnescapeDataString(userInfo[..colon]), Uri.UnescapeDataString(userInfo[(colon + 1)..]));
        }

        string host;
        string port;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':')
            {
                throw Bad(url, "an IPv6 proxy is written [ADDRESS]:PORT");
            }
            host = rest[1..close];
            port = rest[(close + 2)..];
            if (!IPAddress.TryParse(host, out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw Bad(url, $"'{host}' is not an IPv6 address");
            }
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            if (colon < 0)
            {
                throw Bad(url, "the port is missing (HOST:PORT)");
            }
            host = rest[..colon];
            port = rest[(colon + 1)..];
            if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal))
            {
                throw Bad(url, host.Length == 0 ? "the host is missing" : "an IPv6 address must be in brackets");
            }
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                throw Bad(url, $"'{host}' is not a host name or IP address");
            }
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            throw Bad(url, $"'{port}' is not a port (1-65535)");
        }
        return new Socks5ProxyUrl(host, number, credential);
    }

    /// <summary>
    /// The proxy's endpoint: the literal, or the name resolved through the host's resolver now, once (the first
    /// address, IPv4 preferred as most proxies listen there).
    /// </summary>
    /// <exception cref="ArgumentException">The name does not resolve; the message is one line.</exception>
    public IPEndPoint Resolve()
    {
        if (IPAddress.TryParse(Host, out IPAddress? literal))
        {
            return new IPEndPoint(literal, Port);
        }
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(Host);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"SOCKS5 proxy host '{Host}' does not resolve: {e.Message}");
        }
        IPAddress? chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        return chosen is null
            ? throw new ArgumentException($"SOCKS5 proxy host '{Host}' has no addresses")
            : new IPEndPoint(chosen, Port);
    }

    /// <summary>The URL without the password (for logs).</summary>
    public override string ToString() =>
        $"{Scheme}{(Credential is null ? "" : Uri.EscapeDataString(Credential.UserName) + ":***@")}{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";

    private static ArgumentException Bad(string url, string why)
    {
        // The password must not end up in a log line: cut the user info out of the echoed URL.
        string shown = url;
        int at = url.LastIndexOf('@');
        if (at >= 0 && url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            shown = string.Concat(url.AsSpan(0, Scheme.Length), "***@", url.AsSpan(at + 1));
        }
        return new ArgumentException($"bad SOCKS5 proxy URL '{shown}': {why} (expected socks5://[user:pass@]HOST:PORT)");
    }
}
