using System.Buffers.Binary;

namespace Netstack.Link;

/// <summary>
/// Writes packets to a stream in the classic pcap format (see <see cref="PcapFormat"/>), safe to call from
/// several threads at once. A record costs one 16-byte header built on the stack and one write of the packet's
/// bytes: nothing is allocated per packet.
/// </summary>
/// <remarks>
/// A capture is a diagnostic: when the stream fails (disk full, closed pipe) the writer records the error in
/// <see cref="Error"/>, stops capturing and keeps returning normally, so traffic is never stopped by its sniffer.
/// </remarks>
public sealed class PcapWriter : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _nanoseconds;
    private long _packets;
    private Exception? _error;
    private bool _disposed;

    /// <summary>Writes the file header to <paramref name="stream"/> at once.</summary>
    public PcapWriter(
        Stream stream,
        PcapLinkType linkType,
        PcapTimestampPrecision precision = PcapTimestampPrecision.Microseconds,
        int snapLength = PcapFormat.DefaultSnapLength,
        bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(snapLength, 1);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _nanoseconds = precision == PcapTimestampPrecision.Nanoseconds;
        LinkType = linkType;
        SnapLength = snapLength;

        Span<byte> header = stackalloc byte[PcapFormat.FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, _nanoseconds ? PcapFormat.MagicNanoseconds : PcapFormat.MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], PcapFormat.VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], PcapFormat.VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);   // thiszone: timestamps are UTC
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs: always 0
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)linkType);
        _stream.Write(header);
    }

    /// <summary>The link type written in the file header.</summary>
    public PcapLinkType LinkType { get; }

    /// <summary>The most bytes of each packet recorded (longer packets are truncated, their original length kept).</summary>
    public int SnapLength { get; }

    /// <summary>Records written so far.</summary>
    public long PacketCount => Interlocked.Read(ref _packets);

    /// <summary>The error that stopped the capture, if one did.</summary>
    public Exception? Error => Volatile.Read(ref _error);

    /// <summary>Appends one record: the packet (cut to <see cref="SnapLength"/>) captured at <paramref name="timestamp"/>.</summary>
    public void WritePacket(ReadOnlySpan<byte> packet, DateTimeOffset timestamp) => WritePacket(packet, packet.Length, timestamp);

    /// <summary>Appends one record whose original length on the wire was <paramref name="originalLength"/>.</summary>
    public void WritePacket(ReadOnlySpan<byte> packet, int originalLength, DateTimeOffset timestamp)
    {
        long sinceEpoch = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(sinceEpoch, TimeSpan.TicksPerSecond, out long ticks);
        if (ticks < 0)
        {
            seconds--;
            ticks += TimeSpan.TicksPerSecond;
        }
        uint fraction = (uint)(_nanoseconds ? ticks * TimeSpan.NanosecondsPerTick : ticks / TimeSpan.TicksPerMicrosecond);
        int captured = Math.Min(packet.Length, SnapLength);

        Span<byte> record = stackalloc byte[PcapFormat.RecordHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], fraction);
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)Math.Max(originalLength, captured));
        lock (_lock)
        {
            if (_disposed || _error is not null)
            {
                return;
            }
            try
            {
                _stream.Write(record);
                _stream.Write(packet[..captured]);
                _packets++;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                _error = e;
            }
        }
    }

    /// <summary>Pushes buffered records to the stream's destination.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_disposed || _error is not null)
            {
                return;
            }
            try
            {
                _stream.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                _error = e;
            }
        }
    }

    /// <summary>Flushes, and closes the stream unless it was handed over with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        Flush();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }
}
