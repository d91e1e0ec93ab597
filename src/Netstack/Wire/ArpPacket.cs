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
    /// <summary>Byte offset of the 16-bit hardware type (1 for Ethernet).</summary>
    public const int HardwareTypeOffset = 0;
    /// <summary>Byte offset of the 16-bit protocol type (an EtherType; 0x0800 for IPv4).</summary>
    public const int ProtocolTypeOffset = 2;
    /// <summary>Byte offset of the hardware address length in bytes (6 for Ethernet).</summary>
    public const int HardwareLengthOffset = 4;
    /// <summary>Byte offset of the protocol address length in bytes (4 for IPv4).</summary>
    public const int ProtocolLengthOffset = 5;
    /// <summary>Byte offset of the 16-bit operation code.</summary>
    public const int OperationOffset = 6;
    /// <summary>Byte offset of the sender's 6-byte MAC address.</summary>
    public const int SenderHardwareAddressOffset = 8;
    /// <summary>Byte offset of the sender's 4-byte IPv4 address.</summary>
    public const int SenderProtocolAddressOffset = 14;
    /// <summary>Byte offset of the target's 6-byte MAC address.</summary>
    public const int TargetHardwareAddressOffset = 18;
    /// <summary>Byte offset of the target's 4-byte IPv4 address.</summary>
    public const int TargetProtocolAddressOffset = 24;
    /// <summary>Length in bytes of an Ethernet/IPv4 ARP packet (28).</summary>
    public const int Length = 28;

    /// <summary>The hardware type of Ethernet (RFC 826; IANA "ARP Parameters").</summary>
    public const ushort HardwareTypeEthernet = 1;

    /// <summary>Operation codes (RFC 826).</summary>
    public const ushort OperationRequest = 1;
    /// <summary>The ARP reply operation code.</summary>
    public const ushort OperationReply = 2;

    private readonly Span<byte> _bytes;

    private ArpPacket(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when it holds an Ethernet/IPv4 ARP packet (see the type remarks).</summary>
    /// <returns><see langword="false"/> when the buffer is shorter than 28 bytes or the packet is not Ethernet/IPv4.</returns>
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

    /// <summary>The sender's MAC address (bytes 8-13).</summary>
    public MacAddress SenderHardwareAddress
    {
        get => MacAddress.Read(_bytes[SenderHardwareAddressOffset..]);
        set => value.WriteTo(_bytes[SenderHardwareAddressOffset..]);
    }

    /// <summary>The sender's IPv4 address (bytes 14-17).</summary>
    public NetAddress SenderProtocolAddress
    {
        get => NetAddress.ReadV4(_bytes[SenderProtocolAddressOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[SenderProtocolAddressOffset..], value.V4);
    }

    /// <summary>The target's MAC address (bytes 18-23); zero in a request.</summary>
    public MacAddress TargetHardwareAddress
    {
        get => MacAddress.Read(_bytes[TargetHardwareAddressOffset..]);
        set => value.WriteTo(_bytes[TargetHardwareAddressOffset..]);
    }

    /// <summary>The target's IPv4 address (bytes 24-27): the address being resolved in a request.</summary>
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
