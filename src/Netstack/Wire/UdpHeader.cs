using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of a UDP datagram (RFC 768) over the bytes after the IP header(s).
/// <see cref="TryParse"/> succeeds only when 8 &lt;= Length &lt;= buffer length (bytes past Length are ignored);
/// after that no accessor can throw. Checksums cover the pseudo-header and the first Length bytes.
/// Over IPv4 a zero checksum means "not computed" (RFC 768); over IPv6 it is invalid (RFC 8200 §8.1).
/// A computed zero is transmitted as 0xFFFF in both (RFC 768).
/// </summary>
public readonly ref struct UdpHeader
{
    /// <summary>Byte offset of the 16-bit source port.</summary>
    public const int SourcePortOffset = 0;
    /// <summary>Byte offset of the 16-bit destination port.</summary>
    public const int DestinationPortOffset = 2;
    /// <summary>Byte offset of the 16-bit length.</summary>
    public const int LengthOffset = 4;
    /// <summary>Byte offset of the 16-bit checksum.</summary>
    public const int ChecksumOffset = 6;
    /// <summary>Length of the header in bytes (8).</summary>
    public const int HeaderLength = 8;

    private readonly Span<byte> _bytes;

    private UdpHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> as a UDP datagram (see the type remarks).</summary>
    /// <returns><see langword="false"/> when the buffer is shorter than 8 bytes or the Length field is below 8 or past the buffer.</returns>
    public static bool TryParse(Span<byte> bytes, out UdpHeader header)
    {
        header = default;
        if (bytes.Length < HeaderLength)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[LengthOffset..]);
        if (length < HeaderLength || length > bytes.Length)
        {
            return false;
        }
        header = new UdpHeader(bytes);
        return true;
    }

    /// <summary>The sender's port; 0 when the sender expects no reply.</summary>
    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SourcePortOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[SourcePortOffset..], value);
    }

    /// <summary>The receiver's port.</summary>
    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[DestinationPortOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[DestinationPortOffset..], value);
    }

    /// <summary>Header plus data length in bytes.</summary>
    public ushort Length
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[LengthOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[LengthOffset..], value);
    }

    /// <summary>The checksum as stored; 0 means "not computed" over IPv4.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>The datagram: header and data, <see cref="Length"/> bytes.</summary>
    public Span<byte> Datagram => _bytes[..Length];

    /// <summary>The data after the 8-byte header, up to <see cref="Length"/>.</summary>
    public Span<byte> Payload => _bytes[HeaderLength..Length];

    /// <summary>The checksum to transmit for this datagram between the two addresses (never 0: a computed 0 becomes 0xFFFF).</summary>
    public ushort ComputeChecksum(NetAddress source, NetAddress destination) => ComputeChecksum(Datagram, source, destination);

    /// <summary>Stores <see cref="ComputeChecksum(NetAddress, NetAddress)"/>; call after the data is in place.</summary>
    public void SetChecksum(NetAddress source, NetAddress destination) => Checksum = ComputeChecksum(source, destination);

    /// <summary>
    /// Validates the checksum: true for a zero checksum over IPv4 ("none"), false for a zero checksum over IPv6.
    /// </summary>
    public bool IsChecksumValid(NetAddress source, NetAddress destination)
    {
        if (Checksum == 0)
        {
            return !source.IsV6;
        }
        ulong sum = Netstack.Wire.Checksum.PseudoHeader(source, destination, IpProtocol.Udp, Length);
        return Netstack.Wire.Checksum.IsValid(Datagram, sum);
    }

    /// <summary>The checksum for <paramref name="datagram"/> (whole header and data; its checksum field is taken as zero).</summary>
    public static ushort ComputeChecksum(ReadOnlySpan<byte> datagram, NetAddress source, NetAddress destination)
    {
        ulong sum = Netstack.Wire.Checksum.PseudoHeader(source, destination, IpProtocol.Udp, datagram.Length);
        sum = Netstack.Wire.Checksum.Add(datagram[..ChecksumOffset], sum);
        sum = Netstack.Wire.Checksum.Add(datagram[HeaderLength..], sum);
        ushort checksum = Netstack.Wire.Checksum.Finish(sum);
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }

    /// <summary>Writes the 8-byte header and returns 8; <paramref name="length"/> is header plus data.</summary>
    public static int Write(Span<byte> destination, ushort sourcePort, ushort destinationPort, int length, ushort checksum = 0)
    {
        Span<byte> h = destination[..HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(h[SourcePortOffset..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(h[DestinationPortOffset..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(h[LengthOffset..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(h[ChecksumOffset..], checksum);
        return HeaderLength;
    }
}
