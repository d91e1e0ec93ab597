using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of the fixed 40-byte IPv6 header (RFC 8200 §3) over the bytes of a packet.
/// <see cref="TryParse"/> succeeds only when the version is 6 and 40 + payload length fits the buffer
/// (bytes past it are link padding); after that no accessor can throw. Jumbograms (RFC 2675, payload
/// length 0 with a Jumbo option) are not supported: a zero payload length means an empty payload.
/// Extension headers are walked by <see cref="Ipv6ExtensionHeaders"/>.
/// </summary>
public readonly ref struct Ipv6Header
{
    /// <summary>Byte offset of the version (4 bits), traffic class (8 bits) and flow label (20 bits).</summary>
    public const int VersionClassFlowOffset = 0;
    /// <summary>Byte offset of the 16-bit payload length.</summary>
    public const int PayloadLengthOffset = 4;
    /// <summary>Byte offset of the next header.</summary>
    public const int NextHeaderOffset = 6;
    /// <summary>Byte offset of the hop limit.</summary>
    public const int HopLimitOffset = 7;
    /// <summary>Byte offset of the 16-byte source address.</summary>
    public const int SourceOffset = 8;
    /// <summary>Byte offset of the 16-byte destination address.</summary>
    public const int DestinationOffset = 24;
    /// <summary>Length of the fixed header in bytes (40).</summary>
    public const int Length = 40;

    private readonly Span<byte> _bytes;

    private Ipv6Header(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Validates the version and that the payload length fits; never throws.</summary>
    public static bool TryParse(Span<byte> bytes, out Ipv6Header header)
    {
        header = default;
        if (bytes.Length < Length || (bytes[0] >> 4) != 6)
        {
            return false;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[PayloadLengthOffset..]);
        if (Length + payloadLength > bytes.Length)
        {
            return false;
        }
        header = new Ipv6Header(bytes);
        return true;
    }

    private uint VersionClassFlow
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes, value);
    }

    /// <summary>The version field; always 6 once parsed.</summary>
    public int Version => _bytes[0] >> 4;

    /// <summary>DSCP (6 bits) and ECN (2 bits), RFC 8200 §7.</summary>
    public byte TrafficClass
    {
        get => (byte)(VersionClassFlow >> 20);
        set => VersionClassFlow = (VersionClassFlow & 0xF00FFFFF) | ((uint)value << 20);
    }

    /// <summary>The 20-bit flow label (RFC 6437).</summary>
    public uint FlowLabel
    {
        get => VersionClassFlow & 0xFFFFF;
        set => VersionClassFlow = (VersionClassFlow & 0xFFF00000) | (value & 0xFFFFF);
    }

    /// <summary>The length in bytes of everything after the fixed 40-byte header, extension headers included.</summary>
    public ushort PayloadLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[PayloadLengthOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[PayloadLengthOffset..], value);
    }

    /// <summary>The type of the first extension header or the upper-layer protocol (<see cref="IpProtocol"/>).</summary>
    public byte NextHeader
    {
        get => _bytes[NextHeaderOffset];
        set => _bytes[NextHeaderOffset] = value;
    }

    /// <summary>The hop limit, decremented by each router (hops).</summary>
    public byte HopLimit
    {
        get => _bytes[HopLimitOffset];
        set => _bytes[HopLimitOffset] = value;
    }

    /// <summary>The source address.</summary>
    public NetAddress Source
    {
        get => NetAddress.ReadV6(_bytes[SourceOffset..]);
        set => BinaryPrimitives.WriteUInt128BigEndian(_bytes[SourceOffset..], value.Bits);
    }

    /// <summary>The destination address.</summary>
    public NetAddress Destination
    {
        get => NetAddress.ReadV6(_bytes[DestinationOffset..]);
        set => BinaryPrimitives.WriteUInt128BigEndian(_bytes[DestinationOffset..], value.Bits);
    }

    /// <summary>Everything after the fixed header up to the payload length (extension headers included).</summary>
    public Span<byte> Payload => _bytes.Slice(Length, PayloadLength);

    /// <summary>The packet up to 40 + payload length.</summary>
    public Span<byte> Packet => _bytes[..(Length + PayloadLength)];

    /// <summary>Writes the fixed header and returns 40.</summary>
    public static int Write(
        Span<byte> destination,
        NetAddress source,
        NetAddress destinationAddress,
        byte nextHeader,
        int payloadLength,
        byte hopLimit,
        byte trafficClass = 0,
        uint flowLabel = 0)
    {
        Span<byte> h = destination[..Length];
        BinaryPrimitives.WriteUInt32BigEndian(h, (6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xFFFFF));
        BinaryPrimitives.WriteUInt16BigEndian(h[PayloadLengthOffset..], (ushort)payloadLength);
        h[NextHeaderOffset] = nextHeader;
        h[HopLimitOffset] = hopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(h[SourceOffset..], source.Bits);
        BinaryPrimitives.WriteUInt128BigEndian(h[DestinationOffset..], destinationAddress.Bits);
        return Length;
    }
}
