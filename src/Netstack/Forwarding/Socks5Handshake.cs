using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Netstack.Forwarding;

/// <summary>
/// The client side of a SOCKS5 handshake on a connected socket: method negotiation (RFC 1928 §3), optional
/// username/password (RFC 1929) and one request (RFC 1928 §4) with its reply (§6). Every read is exact-length; a
/// proxy that closes early fails with <see cref="SocketError.ConnectionReset"/>, one that breaks the protocol with
/// <see cref="SocketError.ProtocolNotSupported"/>, and a refusal with the error <see cref="Socks5Protocol.ReplyError"/> maps it to.
/// </summary>
internal static class Socks5Handshake
{
    /// <summary>Offers no-auth (and username/password when <paramref name="credential"/> is set) and completes the chosen method.</summary>
    public static async ValueTask NegotiateAsync(Socket socket, NetworkCredential? credential, string proxy, CancellationToken cancellationToken)
    {
        // RFC 1928 §3: VER, NMETHODS, METHODS. With a credential we still offer no-auth first, so a proxy that
        // needs none is not made to check a password it does not know.
        byte[] greeting = credential is null
            ? [Socks5Protocol.Version, 1, Socks5Protocol.MethodNoAuth]
            : [Socks5Protocol.Version, 2, Socks5Protocol.MethodNoAuth, Socks5Protocol.MethodUsernamePassword];
        await socket.SendAsync(greeting, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        byte[] choice = new byte[2];
        await ReadExactlyAsync(socket, choice, proxy, cancellationToken).ConfigureAwait(false);
        if (choice[0] != Socks5Protocol.Version)
        {
            throw ProtocolError(proxy, $"answered the greeting with version {choice[0]}");
        }
        switch (choice[1])
        {
            case Socks5Protocol.MethodNoAuth:
                return;
            case Socks5Protocol.MethodUsernamePassword when credential is not null:
                await AuthenticateAsync(socket, credential, proxy, cancellationToken).ConfigureAwait(false);
                return;
            case Socks5Protocol.MethodNoAcceptable:
                throw new SocketException((int)SocketError.AccessDenied,
                    $"SOCKS5 proxy {proxy} accepts none of the offered authentication methods ({(credential is null ? "no authentication" : "none, username/password")})");
            default:
                throw ProtocolError(proxy, $"chose authentication method 0x{choice[1]:x2}, which was not offered");
        }
    }

    /// <summary>RFC 1929 §2: VER=1, ULEN, UNAME, PLEN, PASSWD; the reply's STATUS 0 is success, anything else failure.</summary>
    private static async ValueTask AuthenticateAsync(Socket socket, NetworkCredential credential, string proxy, CancellationToken cancellationToken)
    {
        byte[] user = Encoding.UTF8.GetBytes(credential.UserName);
        byte[] password = Encoding.UTF8.GetBytes(credential.Password);
        byte[] request = new byte[3 + user.Length + password.Length];
        request[0] = Socks5Protocol.AuthVersion;
        request[1] = (byte)user.Length;
        user.CopyTo(request, 2);
        request[2 + user.Length] = (byte)password.Length;
        password.CopyTo(request, 3 + user.Length);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        byte[] reply = new byte[2];
        await ReadExactlyAsync(socket, reply, proxy, cancellationToken).ConfigureAwait(false);
        if (reply[0] != Socks5Protocol.AuthVersion)
        {
            throw ProtocolError(proxy, $"answered username/password with version {reply[0]}");
        }
        if (reply[1] != 0)
        {
            throw new SocketException((int)SocketError.AccessDenied,
                $"SOCKS5 proxy {proxy} rejected user '{credential.UserName}' (RFC 1929 status 0x{reply[1]:x2})");
        }
    }

    /// <summary>
    /// Sends an RFC 1928 §4 request (VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT) and reads the §6 reply; returns
    /// BND.ADDR:BND.PORT, or null when the proxy named it as a domain.
    /// </summary>
    public static async ValueTask<IPEndPoint?> RequestAsync(Socket socket, byte command, IPEndPoint destination, string proxy, CancellationToken cancellationToken)
    {
        byte[] request = new byte[3 + Socks5Protocol.AddressLength(destination)];
        request[0] = Socks5Protocol.Version;
        request[1] = command;
        request[2] = 0;
        Socks5Protocol.WriteAddress(request.AsSpan(3), destination);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        // §6: VER, REP, RSV, ATYP first. A refusal is decided by REP alone, so it is reported even when the proxy
        // closes without sending the rest.
        byte[] reply = new byte[4 + 255 + 2];
        await ReadExactlyAsync(socket, reply.AsMemory(0, 4), proxy, cancellationToken).ConfigureAwait(false);
        if (reply[0] != Socks5Protocol.Version)
        {
            throw ProtocolError(proxy, $"replied with version {reply[0]}");
        }
        if (reply[1] != 0)
        {
            throw new SocketException((int)Socks5Protocol.ReplyError(reply[1]),
                $"SOCKS5 proxy {proxy}: {Command(command)} {destination} failed: {Socks5Protocol.ReplyText(reply[1])} (0x{reply[1]:x2})");
        }
        int rest = reply[3] switch
        {
            Socks5Protocol.AddressIPv4 => 4 + 2,
            Socks5Protocol.AddressIPv6 => 16 + 2,
            Socks5Protocol.AddressDomain => -1,
            _ => throw ProtocolError(proxy, $"replied with address type {reply[3]}"),
        };
        int start = 4;
        if (rest < 0)
        {
            await ReadExactlyAsync(socket, reply.AsMemory(4, 1), proxy, cancellationToken).ConfigureAwait(false);
            rest = reply[4] + 2;
            start = 5;
        }
        await ReadExactlyAsync(socket, reply.AsMemory(start, rest), proxy, cancellationToken).ConfigureAwait(false);
        Socks5Protocol.TryReadAddress(reply.AsSpan(3, start - 3 + rest), out IPEndPoint? bound);
        return bound;
    }

    private static async ValueTask ReadExactlyAsync(Socket socket, Memory<byte> buffer, string proxy, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset,
                    $"SOCKS5 proxy {proxy} closed the connection during the handshake");
            }
            read += n;
        }
    }

    private static SocketException ProtocolError(string proxy, string what) =>
        new((int)SocketError.ProtocolNotSupported, $"SOCKS5 proxy {proxy} {what}: not a valid RFC 1928 reply");

    private static string Command(byte command) => command == Socks5Protocol.CommandConnect ? "CONNECT" : "UDP ASSOCIATE";
}
