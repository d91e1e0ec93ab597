using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of an Ethernet II header, optionally with one IEEE 802.1Q (or 802.1ad) VLAN tag.
/// <see cref="TryParse"/> succeeds when the 14-byte header fits, and when the outer EtherType is a VLAN TPID
/// (0x8100 or 0x88A8) also the 4-byte tag; <see cref="HeaderLength"/> is then 18 and <see cref="EtherType"/> is
/// the inner type. After that no accessor can throw. A second stacked tag is not unwrapped: its TPID is
/// reported as the EtherType. The frame check sequence is not part of the view (links strip it).
/// </summary>
public readonly ref struct EthernetHeader
{
    /// <summary>Byte offset of the destination MAC address.</summary>
    public const int DestinationOffset = 0;
    /// <summary>Byte offset of the source MAC address.</summary>
    public const int SourceOffset = 6;
    /// <summary>Byte offset of the (outer) 16-bit type field: the EtherType, or the VLAN TPID when tagged.</summary>
    public const int TypeOffset = 12;
    /// <summary>Byte offset of the VLAN Tag Control Information when tagged.</summary>
    public const int VlanTciOffset = 14;
    /// <summary>Length in bytes of an untagged header (14).</summary>
    public const int Length = 14;
    /// <summary>Length in bytes of a header with one VLAN tag (18).</summary>
    public const int VlanLength = 18;

    private readonly Span<byte> _bytes;

    private EthernetHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> as an Ethernet frame (see the type remarks).</summary>
    /// <returns><see langword="false"/> when the buffer is too short for the header (and its VLAN tag, if any).</returns>
    public static bool TryParse(Span<byte> bytes, out EthernetHeader header)
    {
        header = default;
        if (bytes.Length < Length)
        {
            return false;
        }
        if (IsVlanTpid(BinaryPrimitives.ReadUInt16BigEndian(bytes[TypeOffset..])) && bytes.Length < VlanLength)
        {
            return false;
        }
        header = new EthernetHeader(bytes);
        return true;
    }

    private static bool IsVlanTpid(ushort type) => type is Wire.EtherType.Vlan or Wire.EtherType.ServiceVlan;

    /// <summary>The destination MAC address (bytes 0-5).</summary>
    public MacAddress Destination
    {
        get => MacAddress.Read(_bytes[DestinationOffset..]);
        set => value.WriteTo(_bytes[DestinationOffset..]);
    }

    /// <summary>The source MAC address (bytes 6-11).</summary>
    public MacAddress Source
    {
        get => MacAddress.Read(_bytes[SourceOffset..]);
        set => value.WriteTo(_bytes[SourceOffset..]);
    }

    /// <summary>The type field at offset 12: the VLAN TPID when tagged, else the same as <see cref="EtherType"/>.</summary>
    public ushort OuterEtherType => BinaryPrimitives.ReadUInt16BigEndian(_bytes[TypeOffset..]);

    /// <summary>Whether the outer type is a VLAN TPID (0x8100 or 0x88A8).</summary>
    public bool HasVlanTag => IsVlanTpid(OuterEtherType);

    /// <summary>14, or 18 with a VLAN tag.</summary>
    public int HeaderLength => HasVlanTag ? VlanLength : Length;

    /// <summary>The type of the payload (inside the VLAN tag when there is one).</summary>
    public ushort EtherType
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[(HeaderLength - 2)..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[(HeaderLength - 2)..], value);
    }

    /// <summary>The Tag Control Information (PCP 3 bits, DEI 1 bit, VID 12 bits); 0 when untagged.</summary>
    public ushort VlanTci => HasVlanTag ? BinaryPrimitives.ReadUInt16BigEndian(_bytes[VlanTciOffset..]) : (ushort)0;

    /// <summary>The 12-bit VLAN identifier; 0 when untagged (or priority-tagged).</summary>
    public int VlanId => VlanTci & 0x0FFF;

    /// <summary>The 3-bit Priority Code Point.</summary>
    public int VlanPriority => VlanTci >> 13;

    /// <summary>The bytes after the header (and VLAN tag), to the end of the wrapped buffer.</summary>
    public Span<byte> Payload => _bytes[HeaderLength..];

    /// <summary>Writes an untagged header and returns 14.</summary>
    public static int Write(Span<byte> destination, MacAddress destinationAddress, MacAddress source, ushort etherType)
    {
        Span<byte> h = destination[..Length];
        destinationAddress.WriteTo(h[DestinationOffset..]);
        source.WriteTo(h[SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[TypeOffset..], etherType);
        return Length;
    }

    /// <summary>Writes a header with an 802.1Q tag (TPID 0x8100, the given TCI) and returns 18.</summary>
    public static int WriteVlan(Span<byte> destination, MacAddress destinationAddress, MacAddress source, ushort vlanTci, ushort etherType)
    {
        Span<byte> h = destination[..VlanLength];
        destinationAddress.WriteTo(h[DestinationOffset..]);
        source.WriteTo(h[SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[TypeOffset..], Wire.EtherType.Vlan);
        BinaryPrimitives.WriteUInt16BigEndian(h[VlanTciOffset..], vlanTci);
        BinaryPrimitives.WriteUInt16BigEndian(h[(VlanLength - 2)..], etherType);
        return VlanLength;
    }
}
