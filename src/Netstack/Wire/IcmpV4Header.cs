using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of an ICMPv4 message (RFC 792) over the IP payload: type, code, checksum and the 4-byte
/// "rest of header" whose meaning depends on the type. ICMP has no length field: the view covers the whole
/// span given. <see cref="TryParse"/> succeeds when at least 8 bytes are present; after that no accessor
/// can throw. The checksum covers the whole message and is not checked by <see cref="TryParse"/>.
/// </summary>
public readonly ref struct IcmpV4Header
{
    /// <summary>Byte offset of the message type.</summary>
    public const int TypeOffset = 0;
    /// <summary>Byte offset of the message code.</summary>
    public const int CodeOffset = 1;
    /// <summary>Byte offset of the 16-bit checksum.</summary>
    public const int ChecksumOffset = 2;
    /// <summary>Byte offset of the 4-byte type-specific "rest of header".</summary>
    public const int RestOfHeaderOffset = 4;
    /// <summary>Byte offset of the echo identifier.</summary>
    public const int IdentifierOffset = 4;
    /// <summary>Byte offset of the echo sequence number.</summary>
    public const int SequenceNumberOffset = 6;
    /// <summary>Byte offset of the next-hop MTU in a "fragmentation needed" message.</summary>
    public const int NextHopMtuOffset = 6;
    /// <summary>Byte offset of the parameter problem pointer.</summary>
    public const int PointerOffset = 4;
    /// <summary>Length in bytes of the fixed header (8).</summary>
    public const int HeaderLength = 8;

    private readonly Span<byte> _bytes;

    private IcmpV4Header(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> (the whole IP payload) as an ICMPv4 message.</summary>
    /// <returns><see langword="false"/> when fewer than 8 bytes are present.</returns>
    public static bool TryParse(Span<byte> bytes, out IcmpV4Header header)
    {
        if (bytes.Length < HeaderLength)
        {
            header = default;
            return false;
        }
        header = new IcmpV4Header(bytes);
        return true;
    }

    /// <summary>One of <see cref="IcmpV4Type"/>.</summary>
    public byte Type
    {
        get => _bytes[TypeOffset];
        set => _bytes[TypeOffset] = value;
    }

    /// <summary>One of <see cref="IcmpV4Code"/> for the type.</summary>
    public byte Code
    {
        get => _bytes[CodeOffset];
        set => _bytes[CodeOffset] = value;
    }

    /// <summary>The Internet checksum over the whole message (RFC 792); no pseudo-header.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>Bytes 4..7 as one value (unused, gateway, pointer or MTU depending on the type).</summary>
    public uint RestOfHeader
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[RestOfHeaderOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[RestOfHeaderOffset..], value);
    }

    /// <summary>Echo request/reply identifier (RFC 792).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[IdentifierOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[IdentifierOffset..], value);
    }

    /// <summary>Echo request/reply sequence number (RFC 792).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SequenceNumberOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[SequenceNumberOffset..], value);
    }

    /// <summary>Next-hop MTU of a "fragmentation needed" message (RFC 1191 §4); 0 from old routers.</summary>
    public ushort NextHopMtu
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[NextHopMtuOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[NextHopMtuOffset..], value);
    }

    /// <summary>Parameter problem pointer: the offset of the faulty octet in the quoted header.</summary>
    public byte Pointer
    {
        get => _bytes[PointerOffset];
        set => _bytes[PointerOffset] = value;
    }

    /// <summary>True for the error types that quote the offending datagram (unreachable, time exceeded, parameter problem, redirect).</summary>
    public bool IsError => IcmpV4Type.IsError(Type);

    /// <summary>The whole message.</summary>
    public Span<byte> Message => _bytes;

    /// <summary>What follows the 8-byte header: echo data, or for errors the quoted IP header and 8+ bytes of its payload.</summary>
    public Span<byte> Payload => _bytes[HeaderLength..];

    /// <summary>Whether the checksum over the whole message verifies.</summary>
    public bool IsChecksumValid => Netstack.Wire.Checksum.IsValid(_bytes);

    /// <summary>Computes the checksum over the whole message, skipping the stored checksum field.</summary>
    public ushort ComputeChecksum()
    {
        ulong sum = Netstack.Wire.Checksum.Add(_bytes[..ChecksumOffset]);
        sum = Netstack.Wire.Checksum.Add(_bytes[RestOfHeaderOffset..], sum);
        return Netstack.Wire.Checksum.Finish(sum);
    }

    /// <summary>Sets the checksum over the whole message; call after the payload is in place.</summary>
    public void SetChecksum() => Checksum = ComputeChecksum();

    /// <summary>Writes the 8-byte header with a zero checksum and returns 8; fill the payload, then <see cref="SetChecksum"/>.</summary>
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
}
