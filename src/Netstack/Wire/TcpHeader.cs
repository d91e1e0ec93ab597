using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// A view of a TCP segment (RFC 9293 §3.1) over the bytes after the IP header(s); the view covers the whole
/// span given (the segment length comes from IP). <see cref="TryParse"/> succeeds only when the data offset is
/// at least 5 and the header with its options fits the buffer; after that no accessor can throw. Options are
/// read with <see cref="TcpOptions"/> (or parsed into <see cref="TcpOptionsInfo"/>). The checksum covers the
/// pseudo-header and the whole segment and is not checked by <see cref="TryParse"/>.
/// </summary>
public readonly ref struct TcpHeader
{
    /// <summary>Byte offset of the 16-bit source port.</summary>
    public const int SourcePortOffset = 0;
    /// <summary>Byte offset of the 16-bit destination port.</summary>
    public const int DestinationPortOffset = 2;
    /// <summary>Byte offset of the 32-bit sequence number.</summary>
    public const int SequenceNumberOffset = 4;
    /// <summary>Byte offset of the 32-bit acknowledgment number.</summary>
    public const int AcknowledgmentNumberOffset = 8;
    /// <summary>Byte offset of the data offset (high nibble, in 4-byte words).</summary>
    public const int DataOffsetOffset = 12;
    /// <summary>Byte offset of the control bits (<see cref="TcpFlags"/>).</summary>
    public const int FlagsOffset = 13;
    /// <summary>Byte offset of the 16-bit window.</summary>
    public const int WindowOffset = 14;
    /// <summary>Byte offset of the 16-bit checksum.</summary>
    public const int ChecksumOffset = 16;
    /// <summary>Byte offset of the 16-bit urgent pointer.</summary>
    public const int UrgentPointerOffset = 18;
    /// <summary>Length in bytes of a header without options (20).</summary>
    public const int MinLength = 20;
    /// <summary>Length in bytes of the longest header, data offset 15 (60).</summary>
    public const int MaxLength = 60;

    /// <summary>The longest options area: 40 bytes (data offset 15).</summary>
    public const int MaxOptionsLength = MaxLength - MinLength;

    private readonly Span<byte> _bytes;

    private TcpHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> (the whole segment) as a TCP header (see the type remarks).</summary>
    /// <returns><see langword="false"/> when the buffer is shorter than 20 bytes or than the header length the data offset gives.</returns>
    public static bool TryParse(Span<byte> bytes, out TcpHeader header)
    {
        header = default;
        if (bytes.Length < MinLength)
        {
            return false;
        }
        int headerLength = (bytes[DataOffsetOffset] >> 4) * 4;
        if (headerLength < MinLength || headerLength > bytes.Length)
        {
            return false;
        }
        header = new TcpHeader(bytes);
        return true;
    }

    /// <summary>The sender's port.</summary>
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

    /// <summary>The sequence number of the first octet (or of the SYN) in this segment.</summary>
    public uint SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[SequenceNumberOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[SequenceNumberOffset..], value);
    }

    /// <summary>The next sequence number the sender expects to receive; meaningful only with <see cref="TcpFlags.Ack"/>.</summary>
    public uint AcknowledgmentNumber
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_bytes[AcknowledgmentNumberOffset..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_bytes[AcknowledgmentNumberOffset..], value);
    }

    /// <summary>The header length in bytes (data offset × 4), 20..60.</summary>
    public int HeaderLength => (_bytes[DataOffsetOffset] >> 4) * 4;

    /// <summary>The control bits (byte 13). The reserved low nibble of byte 12 (AccECN's AE bit) is not included.</summary>
    public TcpFlags Flags
    {
        get => (TcpFlags)_bytes[FlagsOffset];
        set => _bytes[FlagsOffset] = (byte)value;
    }

    /// <summary>The raw window field; the peer's value is shifted by its window scale except on SYNs (RFC 7323 §2.2).</summary>
    public ushort WindowSize
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[WindowOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[WindowOffset..], value);
    }

    /// <summary>The Internet checksum over the pseudo-header and the whole segment (RFC 9293 §3.1).</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>The urgent pointer, an offset from the sequence number; meaningful only with <see cref="TcpFlags.Urg"/>.</summary>
    public ushort UrgentPointer
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[UrgentPointerOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[UrgentPointerOffset..], value);
    }

    /// <summary>The options area, 0..40 bytes.</summary>
    public Span<byte> Options => _bytes[MinLength..HeaderLength];

    /// <summary>The data after the header and options, to the end of the wrapped span.</summary>
    public Span<byte> Payload => _bytes[HeaderLength..];

    /// <summary>The whole segment (header and payload).</summary>
    public Span<byte> Segment => _bytes;

    /// <summary>Parses the options area (see <see cref="TcpOptionsInfo.TryParse"/>); false when it is malformed.</summary>
    public bool TryGetOptions(out TcpOptionsInfo options) => TcpOptionsInfo.TryParse(Options, out options);

    /// <summary>Whether the checksum verifies over the pseudo-header of <paramref name="source"/> and <paramref name="destination"/> and the whole segment.</summary>
    public bool IsChecksumValid(NetAddress source, NetAddress destination) =>
        Netstack.Wire.Checksum.IsValid(_bytes, Netstack.Wire.Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, _bytes.Length));

    /// <summary>The checksum this segment should carry between the two addresses (its checksum field is taken as zero).</summary>
    public ushort ComputeChecksum(NetAddress source, NetAddress destination) => ComputeChecksum(_bytes, source, destination);

    /// <summary>Sets the checksum over the pseudo-header and the whole segment; call after the payload is in place.</summary>
    public void SetChecksum(NetAddress source, NetAddress destination) => Checksum = ComputeChecksum(source, destination);

    /// <summary>The checksum for <paramref name="segment"/> (header and payload; its checksum field is taken as zero).</summary>
    public static ushort ComputeChecksum(ReadOnlySpan<byte> segment, NetAddress source, NetAddress destination)
    {
        ulong sum = Netstack.Wire.Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, segment.Length);
        sum = Netstack.Wire.Checksum.Add(segment[..ChecksumOffset], sum);
        sum = Netstack.Wire.Checksum.Add(segment[(ChecksumOffset + 2)..], sum);
        return Netstack.Wire.Checksum.Finish(sum);
    }

    /// <summary>
    /// Writes the header followed by the raw <paramref name="options"/> (a multiple of 4, at most 40 bytes) with a
    /// zero checksum; returns the header length. Fill the payload, then <see cref="SetChecksum"/>.
    /// </summary>
    public static int Write(
        Span<byte> destination,
        ushort sourcePort,
        ushort destinationPort,
        uint sequenceNumber,
        uint acknowledgmentNumber,
        TcpFlags flags,
        ushort windowSize,
        ReadOnlySpan<byte> options = default,
        ushort urgentPointer = 0)
    {
        if ((options.Length & 3) != 0 || options.Length > MaxOptionsLength)
        {
            throw new ArgumentException("TCP options must be a multiple of 4 bytes, at most 40.", nameof(options));
        }
        int headerLength = MinLength + options.Length;
        WriteFixed(destination[..headerLength], sourcePort, destinationPort, sequenceNumber, acknowledgmentNumber, flags, windowSize, urgentPointer, headerLength);
        options.CopyTo(destination[MinLength..]);
        return headerLength;
    }

    /// <summary>Writes the header with <paramref name="options"/> laid out by <see cref="TcpOptions.Write"/>; returns the header length.</summary>
    public static int Write(
        Span<byte> destination,
        ushort sourcePort,
        ushort destinationPort,
        uint sequenceNumber,
        uint acknowledgmentNumber,
        TcpFlags flags,
        ushort windowSize,
        in TcpOptionsInfo options,
        ushort urgentPointer = 0)
    {
        int optionsLength = TcpOptions.Write(destination[MinLength..], options);
        int headerLength = MinLength + optionsLength;
        WriteFixed(destination[..headerLength], sourcePort, destinationPort, sequenceNumber, acknowledgmentNumber, flags, windowSize, urgentPointer, headerLength);
        return headerLength;
    }

    private static void WriteFixed(Span<byte> h, ushort sourcePort, ushort destinationPort, uint sequenceNumber, uint acknowledgmentNumber,
        TcpFlags flags, ushort windowSize, ushort urgentPointer, int headerLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(h[SourcePortOffset..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(h[DestinationPortOffset..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(h[SequenceNumberOffset..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(h[AcknowledgmentNumberOffset..], acknowledgmentNumber);
        h[DataOffsetOffset] = (byte)((headerLength / 4) << 4);
        h[FlagsOffset] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(h[WindowOffset..], windowSize);
        BinaryPrimitives.WriteUInt16BigEndian(h[ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(h[UrgentPointerOffset..], urgentPointer);
    }
}
