using System.Net;

namespace Netstack.Forwarding;

/// <summary>
/// The header RFC 1928 §7 puts before every datagram between client and UDP relay:
/// RSV (2 bytes, 0), FRAG, ATYP, DST.ADDR, DST.PORT — DST naming the destination on the way out and the
/// source on the way back.
/// </summary>
internal static class Socks5UdpHeader
{
    /// <summary>The longest header: RSV, FRAG and the longest address (a 255-byte name).</summary>
    public const int MaxLength = 3 + Socks5Protocol.MaxAddressLength;

    /// <summary>The header's length for <paramref name="destination"/> (ATYP 1 or 4).</summary>
    public static int Length(IPEndPoint destination) => 3 + Socks5Protocol.AddressLength(destination);

    /// <summary>Writes the header for <paramref name="destination"/> with FRAG 0 (we never fragment); returns its length.</summary>
    public static int Write(Span<byte> destination, IPEndPoint endPoint)
    {
        destination[0] = 0;
        destination[1] = 0;
        destination[2] = 0;
        return 3 + Socks5Protocol.WriteAddress(destination[3..], endPoint);
    }

    /// <summary>
    /// Reads the header of a datagram from the relay; returns the payload's offset, or -1 when the datagram is to
    /// be dropped: too short, RSV not 0, a fragment (FRAG != 0: §7 lets a client that does not reassemble drop
    /// them), or a source given as a name (which cannot be matched against the flow's destination).
    /// </summary>
    public static int TryRead(ReadOnlySpan<byte> datagram, out IPEndPoint? source)
    {
        source = null;
        if (datagram.Length < 4 || datagram[0] != 0 || datagram[1] != 0 || datagram[2] != 0)
        {
            return -1;
        }
        int length = Socks5Protocol.TryReadAddress(datagram[3..], out source);
        return length <= 0 || source is null ? -1 : 3 + length;
    }
}
