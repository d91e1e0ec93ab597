using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of an ARP packet for IPv4 over Ethernet (RFC 826). <see cref="TryParse"/> succeeds only when at least
/// 28 bytes are present and the packet is Ethernet/IPv4 (hardware type 1, protocol type 0x0800, hardware length 6,
/// protocol length 4), the only shape whose field offsets are fixed; after that no accessor can throw.
/// Trailing bytes (Ethernet minimum-size padding) are ignored.
/// </summary>
public readonly ref struct ArpPacket
{
    public const int HardwareTypeOffset = 0;
    public const int ProtocolTypeOffset = 2;
    public const int HardwareLengthOffset = 4;
    public const int ProtocolLengthOffset = 5;
    public const int OperationOffset = 6;
    public const int SenderHardwareAddressOffset = 8;
    public const int SenderProtocolAddressOffset = 14;
    public const int TargetHardwareAddressOffset = 18;
    public const int TargetProtocolAddressOffset = 24;
    public const int Length = 28;

    public const ushort HardwareTypeEthernet = 1;

    /// <summary>Operation codes (RFC 826).</summary>
    public const ushort OperationRequest = 1;
    public const ushort OperationReply = 2;

    private readonly Span<byte> _bytes;

    private ArpPacket(Span<byte> bytes) => _bytes = bytes;

    public static bool TryParse(Span<byte> bytes, out ArpPacket packet)
    {
        packet = default;
        if (bytes.Length < Length
            || BinaryPrimitives.ReadUInt16BigEndian(bytes[HardwareTypeOffset..]) != HardwareTypeEthernet
            || BinaryPrimitives.ReadUInt16BigEndian(bytes[ProtocolTypeOffset..]) != EtherType.Ipv4
            || bytes[HardwareLengthOffset] != MacAddress.Length
            || bytes[ProtocolLengthOffset] != 4)
        {
            return false;
        }
        packet = new ArpPacket(bytes);
        return true;
    }

    /// <summary><see cref="OperationRequest"/> or <see cref="OperationReply"/> (other values are possible on the wire).</summary>
    public ushort Operation
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[OperationOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[OperationOffset..], value);
    }

    public MacAddress SenderHardwareAddress
    {
        get => MacAddress.Read(_bytes[SenderHardwareAddressOffset..]);
        set => value.WriteTo(_bytes[SenderHardwareAddressOffset..]);
    }

    public NetAddress SenderProtocolAddress
    {
        get => NetAddress.ReadV4(_bytes[SenderProtocolAddressOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[SenderProtocolAddressOffset..], value.V4);
    }

    public MacAddress TargetHardwareAddress
    {
        get => MacAddress.Read(_bytes[TargetHardwareAddressOffset..]);
        set => value.WriteTo(_bytes[TargetHardwareAddressOffset..]);
    }

    public NetAddress TargetProtocolAddress
    {
        get => NetAddress.ReadV4(_bytes[TargetProtocolAddressOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[TargetProtocolAddressOffset..], value.V4);
    }

    /// <summary>Writes an Ethernet/IPv4 ARP packet and returns 28. A request's target hardware address is usually zero.</summary>
    public static int Write(Span<byte> destination, ushort operation, MacAddress senderHardwareAddress, NetAddress senderProtocolAddress,
        MacAddress targetHardwareAddress, NetAddress targetProtocolAddress)
    {
        Span<byte> p = destination[..Length];
        BinaryPrimitives.WriteUInt16BigEndian(p[HardwareTypeOffset..], HardwareTypeEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(p[ProtocolTypeOffset..], EtherType.Ipv4);
        p[HardwareLengthOffset] = MacAddress.Length;
        p[ProtocolLengthOffset] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(p[OperationOffset..], operation);
        senderHardwareAddress.WriteTo(p[SenderHardwareAddressOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(p[SenderProtocolAddressOffset..], senderProtocolAddress.V4);
        targetHardwareAddress.WriteTo(p[TargetHardwareAddressOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(p[TargetProtocolAddressOffset..], targetProtocolAddress.V4);
        return Length;
    }
}
