using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>The SOCKS5 wire constants (RFC 1928, RFC 1929) and the encoding of addresses and errors.</summary>
internal static class Socks5Protocol
{
    /// <summary>VER of every RFC 1928 message.</summary>
    public const byte Version = 5;

    /// <summary>VER of the RFC 1929 username/password subnegotiation (not 5: §2 of RFC 1929).</summary>
    public const byte AuthVersion = 1;

    /// <summary>RFC 1928 §3 METHOD: no authentication required.</summary>
    public const byte MethodNoAuth = 0x00;

    /// <summary>RFC 1928 §3 METHOD: username/password (RFC 1929).</summary>
    public const byte MethodUsernamePassword = 0x02;

    /// <summary>RFC 1928 §3: the server accepts none of the offered methods.</summary>
    public const byte MethodNoAcceptable = 0xFF;

    /// <summary>RFC 1928 §4 CMD: CONNECT.</summary>
    public const byte CommandConnect = 0x01;

    /// <summary>RFC 1928 §4 CMD: UDP ASSOCIATE.</summary>
    public const byte CommandUdpAssociate = 0x03;

    /// <summary>RFC 1928 §5 ATYP: IPv4 address, 4 bytes.</summary>
    public const byte AddressIPv4 = 0x01;

    /// <summary>RFC 1928 §5 ATYP: domain name, one length byte then the name.</summary>
    public const byte AddressDomain = 0x03;

    /// <summary>RFC 1928 §5 ATYP: IPv6 address, 16 bytes.</summary>
    public const byte AddressIPv6 = 0x04;

    /// <summary>The longest address with its port: ATYP, length byte, 255-byte name, 2-byte port.</summary>
    public const int MaxAddressLength = 1 + 1 + 255 + 2;

    /// <summary>Bytes <see cref="WriteAddress"/> writes for <paramref name="endPoint"/>: ATYP, address, port.</summary>
    public static int AddressLength(IPEndPoint endPoint) =>
        1 + (endPoint.AddressFamily == AddressFamily.InterNetwork ? 4 : 16) + 2;

    /// <summary>Writes ATYP, DST.ADDR and DST.PORT (network order) as RFC 1928 §4 and §7 lay them out; returns the length.</summary>
    public static int WriteAddress(Span<byte> destination, IPEndPoint endPoint)
    {
        bool v4 = endPoint.AddressFamily == AddressFamily.InterNetwork;
        destination[0] = v4 ? AddressIPv4 : AddressIPv6;
        int addressLength = v4 ? 4 : 16;
        if (!endPoint.Address.TryWriteBytes(destination.Slice(1, addressLength), out _))
        {
            throw new ArgumentException($"cannot encode {endPoint.Address}", nameof(endPoint));
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[(1 + addressLength)..], (ushort)endPoint.Port);
        return 1 + addressLength + 2;
    }

    /// <summary>
    /// Reads ATYP, ADDR and PORT from <paramref name="source"/>. Returns the bytes used, 0 when the source is too
    /// short, or -1 for an unknown ATYP; a domain name gives a null <paramref name="endPoint"/> (its length is still counted).
    /// </summary>
    public static int TryReadAddress(ReadOnlySpan<byte> source, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (source.Length < 1)
        {
            return 0;
        }
        int addressLength;
        switch (source[0])
        {
            case AddressIPv4:
                addressLength = 4;
                break;
            case AddressIPv6:
                addressLength = 16;
                break;
            case AddressDomain:
                if (source.Length < 2)
                {
                    return 0;
                }
                int total = 2 + source[1] + 2;
                return source.Length < total ? 0 : total;
            default:
                return -1;
        }
        if (source.Length < 1 + addressLength + 2)
        {
            return 0;
        }
        var address = new IPAddress(source.Slice(1, addressLength));
        endPoint = new IPEndPoint(address, BinaryPrimitives.ReadUInt16BigEndian(source[(1 + addressLength)..]));
        return 1 + addressLength + 2;
    }

    /// <summary>
    /// The <see cref="SocketError"/> a direct connect would have given for an RFC 1928 §6 REP code, so the
    /// forwarder answers the namespace alike whether a proxy is in the way or not.
    /// </summary>
    public static SocketError ReplyError(byte reply) => reply switch
    {
        0x01 => SocketError.SocketError,             // general SOCKS server failure: no more specific cause known
        0x02 => SocketError.AccessDenied,            // connection not allowed by ruleset: as a firewall's EACCES/EPERM
        0x03 => SocketError.NetworkUnreachable,
        0x04 => SocketError.HostUnreachable,
        0x05 => SocketError.ConnectionRefused,
        0x06 => SocketError.TimedOut,                // TTL expired: microsocks and others send it when their connect times out
        0x07 => SocketError.OperationNotSupported,   // command not supported (e.g. UDP ASSOCIATE on a CONNECT-only proxy)
        0x08 => SocketError.AddressFamilyNotSupported,
        _ => SocketError.SocketError,                // 0x09-0xFF are unassigned
    };

    /// <summary>The RFC 1928 §6 wording of a REP code, for messages.</summary>
    public static string ReplyText(byte reply) => reply switch
    {
        0x01 => "general SOCKS server failure",
        0x02 => "connection not allowed by ruleset",
        0x03 => "network unreachable",
        0x04 => "host unreachable",
        0x05 => "connection refused",
        0x06 => "TTL expired",
        0x07 => "command not supported",
        0x08 => "address type not supported",
        _ => "unassigned reply code",
    };
}
