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
    public const int VersionClassFlowOffset = 0;
    public const int PayloadLengthOffset = 4;
    public const int NextHeaderOffset = 6;
    public const int HopLimitOffset = 7;
    public const int SourceOffset = 8;
    public const int DestinationOffset = 24;
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

    public ushort PayloadLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[PayloadLengthOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[PayloadLengthOffset..], value);
    }

    public byte NextHeader
    {
        get => _bytes[NextHeaderOffset];
        set => _bytes[NextHeaderOffset] = value;
    }

    public byte HopLimit
    {
        get => _bytes[HopLimitOffset];
        set => _bytes[HopLimitOffset] = value;
    }

    public NetAddress Source
    {
        get => NetAddress.ReadV6(_bytes[SourceOffset..]);
        set => BinaryPrimitives.WriteUInt128BigEndian(_bytes[SourceOffset..], value.Bits);
    }

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
