using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of an IPv4 header (RFC 791 §3.1) over the bytes of a packet.
/// <see cref="TryParse"/> succeeds only when the version is 4, IHL &gt;= 5, the header (with options) fits the
/// buffer and header length &lt;= total length &lt;= buffer length; after that no accessor can throw.
/// The checksum is not checked by <see cref="TryParse"/> (use <see cref="IsChecksumValid"/>; a link's
/// "checksum valid" flag covers the transport checksum, not this one). Setters write the field only; they do not update the checksum.
/// </summary>
public readonly ref struct Ipv4Header
{
    /// <summary>Byte offset of the version (high nibble) and IHL (low nibble, in 4-byte words).</summary>
    public const int VersionIhlOffset = 0;
    /// <summary>Byte offset of the type of service byte (DSCP and ECN).</summary>
    public const int TypeOfServiceOffset = 1;
    /// <summary>Byte offset of the 16-bit total length (header and payload, in bytes).</summary>
    public const int TotalLengthOffset = 2;
    /// <summary>Byte offset of the 16-bit identification.</summary>
    public const int IdentificationOffset = 4;
    /// <summary>Byte offset of the 16-bit flags (3 bits) and fragment offset (13 bits, 8-byte units).</summary>
    public const int FlagsFragmentOffset = 6;
    /// <summary>Byte offset of the time to live.</summary>
    public const int TimeToLiveOffset = 8;
    /// <summary>Byte offset of the protocol number (<see cref="IpProtocol"/>).</summary>
    public const int ProtocolOffset = 9;
    /// <summary>Byte offset of the 16-bit header checksum.</summary>
    public const int ChecksumOffset = 10;
    /// <summary>Byte offset of the source address.</summary>
    public const int SourceOffset = 12;
    /// <summary>Byte offset of the destination address.</summary>
    public const int DestinationOffset = 16;
    /// <summary>Length in bytes of a header without options (20).</summary>
    public const int MinLength = 20;
    /// <summary>Length in bytes of the longest header, IHL 15 (60).</summary>
    public const int MaxLength = 60;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly Span<byte> _bytes;

    private Ipv4Header(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Validates the lengths (not the checksum); <paramref name="bytes"/> may extend past the total length (link padding).</summary>
    public static bool TryParse(Span<byte> bytes, out Ipv4Header header)
    {
        header = default;
        if (bytes.Length < MinLength || (bytes[0] >> 4) != 4)
        {
            return false;
        }
        int headerLength = (bytes[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[TotalLengthOffset..]);
        if (headerLength < MinLength || headerLength > bytes.Length || totalLength < headerLength || totalLength > bytes.Length)
        {
            return false;
        }
        header = new Ipv4Header(bytes);
        return true;
    }

    /// <summary>The version field; always 4 once parsed.</summary>
    public int Version => _bytes[0] >> 4;

    /// <summary>The header length in bytes (IHL × 4), 20..60.</summary>
    public int HeaderLength => (_bytes[0] & 0x0F) * 4;

    /// <summary>The whole second byte: DSCP (6 bits) and ECN (2 bits), RFC 2474 / RFC 3168.</summary>
    public byte TypeOfService
    {
        get => _bytes[TypeOfServiceOffset];
        set => _bytes[TypeOfServiceOffset] = value;
    }

    /// <summary>The Differentiated Services Code Point, the top 6 bits of the type of service (RFC 2474).</summary>
    public byte Dscp => (byte)(_bytes[TypeOfServiceOffset] >> 2);

    /// <summary>The 2-bit ECN field, the low bits of the type of service (RFC 3168 §5); the setter keeps the DSCP.</summary>
    public byte Ecn
    {
        get => (byte)(_bytes[TypeOfServiceOffset] & 0x03);
        set => _bytes[TypeOfServiceOffset] = (byte)((_bytes[TypeOfServiceOffset] & 0xFC) | (value & 0x03));
    }

    /// <summary>The length of the packet in bytes, header included.</summary>
    public ushort TotalLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[TotalLengthOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[TotalLengthOffset..], value);
    }

    /// <summary>The identification that groups the fragments of one datagram (RFC 791, RFC 6864).</summary>
    public ushort Identification
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[IdentificationOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[IdentificationOffset..], value);
    }

    private ushort FlagsFragment
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[FlagsFragmentOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[FlagsFragmentOffset..], value);
    }

    /// <summary>The DF flag: routers must not fragment the packet (used by path MTU discovery, RFC 1191).</summary>
    public bool DontFragment
    {
        get => (FlagsFragment & DontFragmentBit) != 0;
        set => FlagsFragment = (ushort)(value ? FlagsFragment | DontFragmentBit : FlagsFragment & ~DontFragmentBit);
    }

    /// <summary>The MF flag: more fragments of this datagram follow.</summary>
    public bool MoreFragments
    {
        get => (FlagsFragment & MoreFragmentsBit) != 0;
        set => FlagsFragment = (ushort)(value ? FlagsFragment | MoreFragmentsBit : FlagsFragment & ~MoreFragmentsBit);
    }

    /// <summary>The fragment offset in bytes (the wire field counts 8-byte units; the setter drops the low 3 bits).</summary>
    public int FragmentOffset
    {
        get => (FlagsFragment & FragmentOffsetMask) * 8;
        set => FlagsFragment = (ushort)((FlagsFragment & ~FragmentOffsetMask) | ((value >> 3) & FragmentOffsetMask));
    }

    /// <summary>True for any fragment, first or later (MF set or a non-zero offset).</summary>
    public bool IsFragment => (FlagsFragment & (MoreFragmentsBit | FragmentOffsetMask)) != 0;

    /// <summary>The time to live, decremented by each router (hops).</summary>
    public byte TimeToLive
    {
        get => _bytes[TimeToLiveOffset];
        set => _bytes[TimeToLiveOffset] = value;
    }

    /// <summary>The protocol of the payload (<see cref="IpProtocol"/>).</summary>
    public byte Protocol
    {
        get => _bytes[ProtocolOffset];
        set => _bytes[ProtocolOffset] = value;
    }

    /// <summary>The header checksum as stored (RFC 791 §3.1); not updated by the other setters.</summary>
    public ushort HeaderChecksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>The source address.</summary>
    public NetAddress Source
    {
        get => NetAddress.ReadV4(_bytes[SourceOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[SourceOffset..], value.V4);
    }

    /// <summary>The destination address.</summary>
    public NetAddress Destination
    {
        get => NetAddress.ReadV4(_bytes[DestinationOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[DestinationOffset..], value.V4);
    }

    /// <summary>The header including options (<see cref="HeaderLength"/> bytes).</summary>
    public Span<byte> Header => _bytes[..HeaderLength];

    /// <summary>The options area (RFC 791 §3.1), empty when IHL is 5.</summary>
    public Span<byte> Options => _bytes[MinLength..HeaderLength];

    /// <summary>The payload up to the total length (link padding excluded).</summary>
    public Span<byte> Payload => _bytes[HeaderLength..TotalLength];

    /// <summary>The packet up to the total length.</summary>
    public Span<byte> Packet => _bytes[..TotalLength];

    /// <summary>Whether the header checksum (over <see cref="HeaderLength"/> bytes, options included) verifies.</summary>
    public bool IsChecksumValid => Checksum.IsValid(Header);

    /// <summary>The checksum the header should carry (computed with the checksum field taken as zero).</summary>
    public ushort ComputeChecksum()
    {
        ulong sum = Checksum.Add(_bytes[..ChecksumOffset]);
        sum = Checksum.Add(_bytes[(ChecksumOffset + 2)..HeaderLength], sum);
        return Checksum.Finish(sum);
    }

    /// <summary>Stores <see cref="ComputeChecksum"/>; call after the last header change.</summary>
    public void SetChecksum() => HeaderChecksum = ComputeChecksum();

    /// <summary>
    /// Writes a 20-byte header without options, checksum included, and returns 20.
    /// <paramref name="fragmentOffset"/> is in bytes (a multiple of 8).
    /// </summary>
    public static int Write(
        Span<byte> destination,
        NetAddress source,
        NetAddress destinationAddress,
        byte protocol,
        int totalLength,
        ushort identification,
        byte timeToLive,
        bool dontFragment = true,
        byte typeOfService = 0,
        int fragmentOffset = 0,
        bool moreFragments = false)
    {
        Span<byte> h = destination[..MinLength];
        h[VersionIhlOffset] = 0x45;
        h[TypeOfServiceOffset] = typeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(h[TotalLengthOffset..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(h[IdentificationOffset..], identification);
        ushort flags = (ushort)(((fragmentOffset >> 3) & FragmentOffsetMask) | (dontFragment ? DontFragmentBit : 0) | (moreFragments ? MoreFragmentsBit : 0));
        BinaryPrimitives.WriteUInt16BigEndian(h[FlagsFragmentOffset..], flags);
        h[TimeToLiveOffset] = timeToLive;
        h[ProtocolOffset] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(h[ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[SourceOffset..], source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(h[DestinationOffset..], destinationAddress.V4);
        BinaryPrimitives.WriteUInt16BigEndian(h[ChecksumOffset..], Checksum.Compute(h));
        return MinLength;
    }
}
