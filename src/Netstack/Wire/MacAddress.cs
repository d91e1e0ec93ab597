using System.Buffers.Binary;
using System.Globalization;

namespace Netstack.Wire;

/// <summary>A 48-bit IEEE 802 MAC address held in the low bits of a <see cref="ulong"/> (no allocation).</summary>
public readonly record struct MacAddress(ulong Bits)
{
    /// <summary>Length of a MAC address in bytes (6).</summary>
    public const int Length = 6;

    /// <summary>The broadcast address ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFF);

    /// <summary>Whether this is ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => Bits == 0xFFFF_FFFF_FFFF;

    /// <summary>The group bit (least significant bit of the first octet).</summary>
    public bool IsMulticast => ((Bits >> 40) & 1) != 0;

    /// <summary>Reads 6 bytes in network order.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    /// <summary>Writes 6 bytes in network order and returns 6.</summary>
    public int WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Bits >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Bits);
        return Length;
    }

    /// <summary>The IPv6 multicast MAC 33:33:xx:xx:xx:xx for a multicast address (RFC 2464 §7).</summary>
    public static MacAddress FromIPv6Multicast(NetAddress address) => new(0x3333_0000_0000 | (ulong)(uint)address.Bits);

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" (or with '-').</summary>
    public static MacAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != 17)
        {
            throw new FormatException("A MAC address has the form aa:bb:cc:dd:ee:ff.");
        }
        ulong bits = 0;
        for (int i = 0; i < 6; i++)
        {
            bits = (bits << 8) | byte.Parse(text.AsSpan(i * 3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return new MacAddress(bits);
    }

    /// <summary>Formats as lower-case "aa:bb:cc:dd:ee:ff".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(byte)(Bits >> 40):x2}:{(byte)(Bits >> 32):x2}:{(byte)(Bits >> 24):x2}:{(byte)(Bits >> 16):x2}:{(byte)(Bits >> 8):x2}:{(byte)Bits:x2}");
}
