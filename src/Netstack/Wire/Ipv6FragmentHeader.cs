using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of the 8-byte IPv6 Fragment extension header (RFC 8200 §4.5).
/// <see cref="TryParse"/> succeeds when at least 8 bytes are present; after that no accessor can throw.
/// </summary>
public readonly ref struct Ipv6FragmentHeader
{
    /// <summary>Byte offset of the next header (the protocol of the fragmentable part).</summary>
    public const int NextHeaderOffset = 0;
    /// <summary>Byte offset of the reserved byte (zero).</summary>
    public const int ReservedOffset = 1;
    /// <summary>Byte offset of the 16-bit fragment offset (13 bits, 8-byte units) and M flag.</summary>
    public const int OffsetFlagsOffset = 2;
    /// <summary>Byte offset of the 32-bit identification.</summary>
    public const int IdentificationOffset = 4;
    /// <summary>Length of the header in bytes (8).</summary>
    public const int Length = 8;

    private readonly Span<byte> _bytes;

    private Ipv6FragmentHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> as a Fragment header.</summary>
    /// <returns><see langword="false"/> when fewer than 8 bytes are present.</returns>
    public static bool TryParse(Span<byte> bytes, out Ipv6FragmentHeader header)
    {
        if (bytes.Length < Length)
        {
            header = default;
            return false;
        }
        header = new Ipv6FragmentHeader(bytes);
        return true;
    }

    /// <summary>The protocol of the header that follows in the reassembled packet (<see cref="IpProtocol"/>).</summary>
    public byte NextHeader
    {
        get => _bytes[NextHeaderOffset];
        set => _bytes[NextHeaderOffset] = value;
    }

    private ushort OffsetFlags
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[OffsetFlagsOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[OffsetFlagsOffset..], value);
    }

    /// <summary>The fragment offset in bytes (the wire field counts 8-byte units in its top 13 bits).</summary>
    public int FragmentOffset
    {
        get => OffsetFlags & 0xFFF8;
        set => OffsetFlags = (ushort)((value & 0xFFF8) | (OffsetFlags & 0x7));
    }

    /// <summary>The M flag: more fragments follow.</summary>
    public bool MoreFragments
    {
        get => (OffsetFlags & 1) != 0;
        set => OffsetFlags = (ushort)((OffsetFlags & ~1) | (value ? 1 : 0));
    }

    /// <summary>The identification shared by all fragments of one packet.</summary>
    public uint Identification
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[IdentificationOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[IdentificationOffset..], value);
    }

    /// <summary>Writes a fragment header (offset in bytes, a multiple of 8) and returns 8.</summary>
    public static int Write(Span<byte> destination, byte nextHeader, int fragmentOffset, bool moreFragments, uint identification)
    {
        Span<byte> h = destination[..Length];
        h[NextHeaderOffset] = nextHeader;
        h[ReservedOffset] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(h[OffsetFlagsOffset..], (ushort)((fragmentOffset & 0xFFF8) | (moreFragments ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(h[IdentificationOffset..], identification);
        return Length;
    }
}
