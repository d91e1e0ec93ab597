using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Netstack.Wire;

/// <summary>
/// An IPv4 or IPv6 address as a 17-byte value (no allocation, unlike <see cref="IPAddress"/>), used on
/// every packet path: demux keys, pseudo-headers, routes. IPv4 addresses keep their 32 bits in the low
/// word of <see cref="Bits"/>. Convert at the API edge with <see cref="FromIPAddress"/> / <see cref="ToIPAddress"/>.
/// </summary>
public readonly record struct NetAddress(UInt128 Bits, bool IsV6)
{
    /// <summary>The IPv4 unspecified address 0.0.0.0 (also <see langword="default"/>).</summary>
    public static NetAddress AnyV4 => default;

    /// <summary>The IPv6 unspecified address ::.</summary>
    public static NetAddress AnyV6 => new(UInt128.Zero, true);

    /// <summary>Whether this is an IPv4 address.</summary>
    public bool IsV4 => !IsV6;

    /// <summary>Length of the address on the wire: 4 or 16.</summary>
    public int Length => IsV6 ? 16 : 4;

    /// <summary>Whether all bits are zero (0.0.0.0 or ::).</summary>
    public bool IsUnspecified => Bits == UInt128.Zero;

    /// <summary>Whether this is ::1 or in 127.0.0.0/8.</summary>
    public bool IsLoopback => IsV6 ? Bits == UInt128.One : (V4 >> 24) == 127;

    /// <summary>Whether this is in ff00::/8 or 224.0.0.0/4.</summary>
    public bool IsMulticast => IsV6 ? (byte)(Bits >> 120) == 0xFF : (V4 >> 28) == 0xE;

    /// <summary>IPv4 limited broadcast 255.255.255.255.</summary>
    public bool IsBroadcast => !IsV6 && V4 == uint.MaxValue;

    /// <summary>The IPv4 address as a host-order integer.</summary>
    public uint V4 => (uint)Bits;

    /// <summary>An IPv4 address from its host-order integer (10.0.0.1 is 0x0A000001).</summary>
    public static NetAddress FromV4(uint hostOrder) => new(hostOrder, false);

    /// <summary>The IPv4 address <paramref name="a"/>.<paramref name="b"/>.<paramref name="c"/>.<paramref name="d"/>.</summary>
    public static NetAddress FromV4(byte a, byte b, byte c, byte d) => FromV4(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d);

    /// <summary>Reads an address of <paramref name="length"/> (4 or 16) network-order bytes.</summary>
    public static NetAddress Read(ReadOnlySpan<byte> source, int length) =>
        length == 16 ? ReadV6(source) : ReadV4(source);

    /// <summary>Reads an IPv4 address from 4 network-order bytes.</summary>
    public static NetAddress ReadV4(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source), false);

    /// <summary>Reads an IPv6 address from 16 network-order bytes.</summary>
    public static NetAddress ReadV6(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt128BigEndian(source), true);

    /// <summary>Writes the address in network order; returns the bytes written (4 or 16).</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, Bits);
            return 16;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
        return 4;
    }

    /// <summary>Whether the first <paramref name="prefixLength"/> bits equal those of <paramref name="prefix"/>.</summary>
    public bool IsInPrefix(NetAddress prefix, int prefixLength)
    {
        if (IsV6 != prefix.IsV6)
        {
            return false;
        }
        int width = IsV6 ? 128 : 32;
        if (prefixLength <= 0)
        {
            return true;
        }
        if (prefixLength >= width)
        {
            return Bits == prefix.Bits;
        }
        int shift = width - prefixLength;
        return (Bits >> shift) == (prefix.Bits >> shift);
    }

    /// <summary>The address with all bits after <paramref name="prefixLength"/> cleared.</summary>
    public NetAddress Mask(int prefixLength)
    {
        int width = IsV6 ? 128 : 32;
        if (prefixLength >= width)
        {
            return this;
        }
        if (prefixLength <= 0)
        {
            return new NetAddress(UInt128.Zero, IsV6);
        }
        int shift = width - prefixLength;
        return new NetAddress((Bits >> shift) << shift, IsV6);
    }

    /// <summary>The IPv6 solicited-node multicast address ff02::1:ffXX:XXXX for this address (RFC 4291 §2.7.1).</summary>
    public NetAddress SolicitedNode => new((UInt128.Parse("ff0200000000000000000001ff000000", System.Globalization.NumberStyles.HexNumber)) | (Bits & 0xFFFFFF), true);

    /// <summary>Converts from <see cref="IPAddress"/>; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4.</summary>
    public static NetAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? ReadV6(bytes) : ReadV4(bytes[..written]);
    }

    /// <summary>Converts to a new <see cref="IPAddress"/> (allocates).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteTo(bytes);
        return new IPAddress(bytes[..n]);
    }

    /// <summary>Parses IPv4 or IPv6 text with <see cref="IPAddress.Parse(string)"/>; IPv4-mapped addresses become IPv4.</summary>
    public static NetAddress Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    /// <summary>The address in the usual text form (as <see cref="IPAddress.ToString"/>).</summary>
    public override string ToString() => ToIPAddress().ToString();
}
