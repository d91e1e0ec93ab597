using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of an ICMPv6 message (RFC 4443 §2.1) over the upper-layer payload; the view covers the whole span
/// given (ICMPv6 has no length field). <see cref="TryParse"/> succeeds when at least 8 bytes are present and,
/// for Neighbor Solicitation/Advertisement, when the 24-byte body fits and the NDP options are well formed
/// (every option length non-zero and inside the message, RFC 4861 §4.6, §7.1); after that no accessor can
/// throw (type-specific accessors return defaults on other types). The checksum covers the IPv6
/// pseudo-header (RFC 4443 §2.3) and is not checked by <see cref="TryParse"/>.
/// </summary>
public readonly ref struct IcmpV6Header
{
    /// <summary>Byte offset of the message type.</summary>
    public const int TypeOffset = 0;
    /// <summary>Byte offset of the message code.</summary>
    public const int CodeOffset = 1;
    /// <summary>Byte offset of the 16-bit checksum.</summary>
    public const int ChecksumOffset = 2;
    /// <summary>Byte offset of the 4-byte type-specific field after the checksum.</summary>
    public const int RestOfHeaderOffset = 4;
    /// <summary>Byte offset of the echo identifier.</summary>
    public const int IdentifierOffset = 4;
    /// <summary>Byte offset of the echo sequence number.</summary>
    public const int SequenceNumberOffset = 6;
    /// <summary>Byte offset of the 32-bit MTU in a Packet Too Big message.</summary>
    public const int MtuOffset = 4;
    /// <summary>Byte offset of the 32-bit Parameter Problem pointer.</summary>
    public const int PointerOffset = 4;
    /// <summary>Byte offset of the Neighbor Advertisement R/S/O flags.</summary>
    public const int NeighborFlagsOffset = 4;
    /// <summary>Byte offset of the 16-byte target address in a Neighbor Solicitation/Advertisement.</summary>
    public const int TargetAddressOffset = 8;
    /// <summary>Length in bytes of the fixed header (8).</summary>
    public const int HeaderLength = 8;

    /// <summary>Length of a Neighbor Solicitation/Advertisement before its options.</summary>
    public const int NeighborMessageLength = 24;

    /// <summary>NDP option types (RFC 4861 §4.6.1).</summary>
    public const byte SourceLinkLayerAddressOption = 1;
    /// <summary>NDP Target Link-Layer Address option type.</summary>
    public const byte TargetLinkLayerAddressOption = 2;

    /// <summary>Neighbor Advertisement flag bits in byte 4 (RFC 4861 §4.4).</summary>
    public const byte RouterFlag = 0x80;
    /// <summary>Solicited flag: the advertisement answers a solicitation.</summary>
    public const byte SolicitedFlag = 0x40;
    /// <summary>Override flag: the advertisement should replace a cached link-layer address.</summary>
    public const byte OverrideFlag = 0x20;

    private readonly Span<byte> _bytes;

    private IcmpV6Header(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> (the whole upper-layer payload) as an ICMPv6 message (see the type remarks).</summary>
    /// <returns><see langword="false"/> when shorter than 8 bytes, or a neighbor message is short or has malformed options.</returns>
    public static bool TryParse(Span<byte> bytes, out IcmpV6Header header)
    {
        header = default;
        if (bytes.Length < HeaderLength)
        {
            return false;
        }
        if (IsNeighborType(bytes[TypeOffset]))
        {
            if (bytes.Length < NeighborMessageLength || !AreOptionsValid(bytes[NeighborMessageLength..]))
            {
                return false;
            }
        }
        header = new IcmpV6Header(bytes);
        return true;
    }

    private static bool IsNeighborType(byte type) => type is IcmpV6Type.NeighborSolicitation or IcmpV6Type.NeighborAdvertisement;

    private static bool AreOptionsValid(ReadOnlySpan<byte> options)
    {
        while (!options.IsEmpty)
        {
            if (options.Length < 2)
            {
                return false;
            }
            int length = options[1] * 8;
            if (length == 0 || length > options.Length)
            {
                return false;
            }
            options = options[length..];
        }
        return true;
    }

    /// <summary>One of <see cref="IcmpV6Type"/>.</summary>
    public byte Type
    {
        get => _bytes[TypeOffset];
        set => _bytes[TypeOffset] = value;
    }

    /// <summary>One of <see cref="IcmpV6Code"/> for the type.</summary>
    public byte Code
    {
        get => _bytes[CodeOffset];
        set => _bytes[CodeOffset] = value;
    }

    /// <summary>The Internet checksum over the IPv6 pseudo-header and the whole message (RFC 4443 §2.3).</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>Bytes 4..7 as one value (MTU, pointer, flags or identifier/sequence depending on the type).</summary>
    public uint RestOfHeader
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[RestOfHeaderOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[RestOfHeaderOffset..], value);
    }

    /// <summary>Echo request/reply identifier (RFC 4443 §4).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[IdentifierOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[IdentifierOffset..], value);
    }

    /// <summary>Echo request/reply sequence number (RFC 4443 §4).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SequenceNumberOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[SequenceNumberOffset..], value);
    }

    /// <summary>Packet Too Big: the MTU of the next-hop link (RFC 4443 §3.2).</summary>
    public uint Mtu
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[MtuOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[MtuOffset..], value);
    }

    /// <summary>Parameter Problem: offset of the erroneous octet in the quoted packet (RFC 4443 §3.4).</summary>
    public uint Pointer
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[PointerOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[PointerOffset..], value);
    }

    /// <summary>True for error messages (types 0..127, RFC 4443 §2.1), which quote the offending packet.</summary>
    public bool IsError => Type < 128;

    /// <summary>Neighbor Advertisement R/S/O flags (<see cref="RouterFlag"/>, ...); 0 for other types.</summary>
    public byte NeighborFlags => Type == IcmpV6Type.NeighborAdvertisement ? (byte)(_bytes[NeighborFlagsOffset] & 0xE0) : (byte)0;

    /// <summary>The target address of a Neighbor Solicitation/Advertisement; the unspecified address (::) for other types.</summary>
    public NetAddress TargetAddress =>
        IsNeighborType(Type) && _bytes.Length >= NeighborMessageLength ? NetAddress.ReadV6(_bytes[TargetAddressOffset..]) : NetAddress.AnyV6;

    /// <summary>The NDP options of a Neighbor Solicitation/Advertisement (empty for other types).</summary>
    public Span<byte> NeighborOptions =>
        IsNeighborType(Type) && _bytes.Length >= NeighborMessageLength ? _bytes[NeighborMessageLength..] : [];

    /// <summary>
    /// Finds the Source (1) or Target (2) Link-Layer Address option carrying a 6-byte Ethernet address
    /// (RFC 4861 §4.6.1; option length 1 = 8 bytes). False when absent or malformed; never throws.
    /// </summary>
    public bool TryGetLinkLayerAddress(byte optionType, out MacAddress address)
    {
        address = default;
        ReadOnlySpan<byte> options = NeighborOptions;
        while (options.Length >= 2)
        {
            int length = options[1] * 8;
            if (length == 0 || length > options.Length)
            {
                return false;
            }
            if (options[0] == optionType && length >= 8)
            {
                address = MacAddress.Read(options[2..]);
                return true;
            }
            options = options[length..];
        }
        return false;
    }

    /// <summary>The whole message.</summary>
    public Span<byte> Message => _bytes;

    /// <summary>What follows the 8-byte header (echo data, the quoted packet of an error, or the NDP body after byte 8).</summary>
    public Span<byte> Payload => _bytes[HeaderLength..];

    /// <summary>Whether the checksum verifies over the pseudo-header of <paramref name="source"/> and <paramref name="destination"/> and the whole message.</summary>
    public bool IsChecksumValid(NetAddress source, NetAddress destination) =>
        Netstack.Wire.Checksum.IsValid(_bytes, Netstack.Wire.Checksum.PseudoHeader(source, destination, IpProtocol.IcmpV6, _bytes.Length));

    /// <summary>Computes the checksum over the pseudo-header and the whole message, skipping the stored checksum field.</summary>
    public ushort ComputeChecksum(NetAddress source, NetAddress destination)
    {
        ulong sum = Netstack.Wire.Checksum.PseudoHeader(source, destination, IpProtocol.IcmpV6, _bytes.Length);
        sum = Netstack.Wire.Checksum.Add(_bytes[..ChecksumOffset], sum);
        sum = Netstack.Wire.Checksum.Add(_bytes[RestOfHeaderOffset..], sum);
        return Netstack.Wire.Checksum.Finish(sum);
    }

    /// <summary>Sets the checksum over the pseudo-header and the whole message; call after the payload is in place.</summary>
    public void SetChecksum(NetAddress source, NetAddress destination) => Checksum = ComputeChecksum(source, destination);

    /// <summary>Writes the 8-byte header with a zero checksum and returns 8.</summary>
    public static int Write(Span<byte> destination, byte type, byte code, uint restOfHeader = 0)
    {
        Span<byte> h = destination[..HeaderLength];
        h[TypeOffset] = type;
        h[CodeOffset] = code;
        BinaryPrimitives.WriteUInt16BigEndian(h[ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[RestOfHeaderOffset..], restOfHeader);
        return HeaderLength;
    }

    /// <summary>Writes an echo request or reply header (zero checksum) and returns 8.</summary>
    public static int WriteEcho(Span<byte> destination, byte type, ushort identifier, ushort sequenceNumber) =>
        Write(destination, type, 0, ((uint)identifier << 16) | sequenceNumber);

    /// <summary>
    /// Writes a Neighbor Solicitation (RFC 4861 §4.3) with an optional Source Link-Layer Address option, zero
    /// checksum; returns 24 or 32. Then call <see cref="SetChecksum"/> with the IPv6 addresses.
    /// </summary>
    public static int WriteNeighborSolicitation(Span<byte> destination, NetAddress target, MacAddress? sourceLinkLayerAddress) =>
        WriteNeighborMessage(destination, IcmpV6Type.NeighborSolicitation, 0, target, SourceLinkLayerAddressOption, sourceLinkLayerAddress);

    /// <summary>
    /// Writes a Neighbor Advertisement (RFC 4861 §4.4) with <paramref name="flags"/> (R/S/O) and an optional Target
    /// Link-Layer Address option, zero checksum; returns 24 or 32.
    /// </summary>
    public static int WriteNeighborAdvertisement(Span<byte> destination, NetAddress target, byte flags, MacAddress? targetLinkLayerAddress) =>
        WriteNeighborMessage(destination, IcmpV6Type.NeighborAdvertisement, flags, target, TargetLinkLayerAddressOption, targetLinkLayerAddress);

    private static int WriteNeighborMessage(Span<byte> destination, byte type, byte flags, NetAddress target, byte optionType, MacAddress? linkLayerAddress)
    {
        int length = linkLayerAddress.HasValue ? NeighborMessageLength + 8 : NeighborMessageLength;
        Span<byte> m = destination[..length];
        Write(m, type, 0, (uint)(flags & 0xE0) << 24);
        BinaryPrimitives.WriteUInt128BigEndian(m[TargetAddressOffset..], target.Bits);
        if (linkLayerAddress is MacAddress mac)
        {
            m[NeighborMessageLength] = optionType;
            m[NeighborMessageLength + 1] = 1;
            mac.WriteTo(m[(NeighborMessageLength + 2)..]);
        }
        return length;
    }
}
