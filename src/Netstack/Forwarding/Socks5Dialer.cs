using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Netstack.Forwarding;

/// <summary>
/// Reaches destinations through a SOCKS5 proxy (RFC 1928): TCP with CONNECT, UDP with UDP ASSOCIATE. Offers
/// no authentication, and username/password (RFC 1929) when a credential is given. Destinations are always sent
/// as addresses (ATYP 1 and 4), never names: the namespace has already resolved them.
/// </summary>
public sealed class Socks5Dialer : IOutboundDialer
{
    /// <summary>
    /// The default <see cref="HandshakeTimeout"/>: 60 s, as <see cref="DirectDialer.DefaultConnectTimeout"/>,
    /// because the CONNECT reply only comes once the proxy's own connect to the destination has finished.
    /// </summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(60);

    private readonly TimeSpan _handshakeTimeout = DefaultHandshakeTimeout;
    private readonly string _proxyName;

    /// <summary>A dialer through the proxy at <paramref name="proxy"/> (an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> resolved at every dial).</summary>
    /// <param name="proxy">The proxy's TCP endpoint.</param>
    /// <param name="credential">User name and password for RFC 1929 (each 1-255 bytes of UTF-8), or null for no authentication.</param>
    public Socks5Dialer(EndPoint proxy, NetworkCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (proxy is not IPEndPoint and not DnsEndPoint)
        {
            throw new ArgumentException($"a SOCKS5 proxy is an IPEndPoint or a DnsEndPoint, not {proxy.GetType().Name}", nameof(proxy));
        }
        if (credential is not null)
        {
            // RFC 1929 §2: ULEN and PLEN are one byte each, and 0 is not a valid length.
            CheckLength(credential.UserName, "user name");
            CheckLength(credential.Password, "password");
        }
        Proxy = proxy;
        Credential = credential;
        _proxyName = proxy.ToString() ?? "?";
    }

    /// <summary>The proxy's endpoint.</summary>
    public EndPoint Proxy { get; }

    /// <summary>The RFC 1929 credential, or null.</summary>
    public NetworkCredential? Credential { get; }

    /// <summary>
    /// The limit on one dial: the connect to the proxy, method negotiation, authentication and the request's
    /// reply together. When it passes the dial fails with <see cref="SocketError.TimedOut"/>.
    /// Default <see cref="DefaultHandshakeTimeout"/>; <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        init => _handshakeTimeout = DialTimeout.Validate(value, nameof(HandshakeTimeout));
    }

    /// <summary>TCP_NODELAY on the connection to the proxy (default true, for the reason <see cref="DirectDialer.NoDelay"/> gives).</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>
    /// Parses <c>socks5://[user:pass@]HOST:PORT</c> (see <see cref="Socks5ProxyUrl"/>), resolves HOST once if it
    /// is a name, and returns the dialer.
    /// </summary>
    /// <exception cref="ArgumentException">The URL is malformed or its host does not resolve; the message is one line.</exception>
    public static Socks5Dialer FromUrl(string url)
    {
        Socks5ProxyUrl parsed = Socks5ProxyUrl.Parse(url);
        return new Socks5Dialer(parsed.Resolve(), parsed.Credential);
    }

    /// <inheritdoc/>
    public async ValueTask<Socket> ConnectTcpAsync(IPEndPoint destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        IPEndPoint target = DirectDialer.Normalize(destination);
        return await DialTimeout.RunAsync(_handshakeTimeout, $"SOCKS5 CONNECT to {target} through {_proxyName}", async token =>
        {
            Socket socket = await ConnectProxyAsync(token).ConfigureAwait(false);
            try
            {
                await Socks5Handshake.NegotiateAsync(socket, Credential, _proxyName, token).ConfigureAwait(false);
                await Socks5Handshake.RequestAsync(socket, Socks5Protocol.CommandConnect, target, _proxyName, token).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// RFC 1928 §7: a TCP control connection carries UDP ASSOCIATE and stays open for the flow's lifetime (the
    /// proxy ends the association when it closes, and so does the flow); datagrams go to the relay address of the
    /// reply in the §7 header. The request names 0.0.0.0:0 as the client's UDP address, as §4 asks of a client
    /// that does not know it yet (a NAT between us and the proxy may change it anyway).
    /// </remarks>
    public async ValueTask<IOutboundUdpFlow> OpenUdpAsync(IPEndPoint destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        IPEndPoint target = DirectDialer.Normalize(destination);
        return await DialTimeout.RunAsync<IOutboundUdpFlow>(_handshakeTimeout, $"SOCKS5 UDP ASSOCIATE for {target} through {_proxyName}", async token =>
        {
            Socket control = await ConnectProxyAsync(token).ConfigureAwait(false);
            Socket? udp = null;
            try
            {
                await Socks5Handshake.NegotiateAsync(control, Credential, _proxyName, token).ConfigureAwait(false);
                IPEndPoint? relay = await Socks5Handshake.RequestAsync(control, Socks5Protocol.CommandUdpAssociate,
                    new IPEndPoint(IPAddress.Any, 0), _proxyName, token).ConfigureAwait(false);
                if (relay is null)
                {
                    throw new SocketException((int)SocketError.AddressFamilyNotSupported,
                        $"SOCKS5 proxy {_proxyName} named its UDP relay by a domain name, which is not supported");
                }
                IPAddress proxyAddress = ((IPEndPoint)control.RemoteEndPoint!).Address;
                if (relay.Address.Equals(IPAddress.Any) || relay.Address.Equals(IPAddress.IPv6Any))
                {
                    // §6 lets the server leave BND.ADDR unspecified; the relay is then on the proxy's own address.
                    relay = new IPEndPoint(proxyAddress, relay.Port);
                }
                relay = DirectDialer.Normalize(relay);
                udp = new Socket(relay.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                // Connected, so the kernel drops datagrams from anything but the relay.
                udp.Connect(relay);
                return new Socks5UdpFlow(control, udp, target, _proxyName);
            }
            catch
            {
                udp?.Dispose();
                control.Dispose();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Socket> ConnectProxyAsync(CancellationToken cancellationToken)
    {
        Socket socket = Proxy is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = NoDelay;
            await socket.ConnectAsync(Proxy, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            // Same error code (a proxy that is down refuses like a destination would), but say it was the proxy.
            throw new SocketException((int)e.SocketErrorCode, $"SOCKS5 proxy {_proxyName}: {e.Message}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void CheckLength(string value, string what)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        if (length is < 1 or > 255)
        {
            throw new ArgumentException($"the SOCKS5 {what} must be 1-255 bytes of UTF-8 (RFC 1929), not {length}");
        }
    }
}
