using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>
/// A link that records every packet passing through it, in both directions, to a pcap file that tcpdump,
/// tshark and Wireshark read — the stack's own <c>tcpdump -i</c>. It sits between the stack and any inner link:
/// to the stack it is the <see cref="ILinkEndpoint"/>, to the inner link it is the <see cref="INetworkDispatcher"/>.
/// </summary>
/// <remarks>
/// IP links are captured as LINKTYPE_RAW and links with a 14-byte header as LINKTYPE_ETHERNET. Timestamps come
/// from the injected <see cref="TimeProvider"/>, so a capture under a fake clock shows virtual time. GSO
/// super-segments are recorded whole, as tcpdump shows them on a Linux interface with offloads. Outbound packets
/// are recorded before the inner link sees them (which may drop them), inbound ones before the stack does.
/// </remarks>
public sealed class PcapSniffer : ILinkEndpoint, INetworkDispatcher
{
    private readonly ILinkEndpoint _inner;
    private readonly PcapWriter _writer;
    private readonly TimeProvider _time;
    private INetworkDispatcher? _dispatcher;
    private int _disposed;

    /// <summary>Captures to <paramref name="output"/>, which is closed on dispose unless <paramref name="leaveOpen"/>.</summary>
    public PcapSniffer(
        ILinkEndpoint inner,
        Stream output,
        TimeProvider? timeProvider = null,
        PcapTimestampPrecision precision = PcapTimestampPrecision.Microseconds,
        bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _time = timeProvider ?? TimeProvider.System;
        _writer = new PcapWriter(output, LinkTypeOf(inner), precision, PcapFormat.DefaultSnapLength, leaveOpen);
    }

    /// <summary>Captures to a new file at <paramref name="path"/> (replacing one that exists).</summary>
    public PcapSniffer(
        ILinkEndpoint inner,
        string path,
        TimeProvider? timeProvider = null,
        PcapTimestampPrecision precision = PcapTimestampPrecision.Microseconds)
        : this(inner, OpenFile(inner, path), timeProvider, precision, leaveOpen: false)
    {
    }

    /// <summary>The link being captured.</summary>
    public ILinkEndpoint Inner => _inner;

    /// <summary>The capture file being written (its packet count and any write error).</summary>
    public PcapWriter Writer => _writer;

    /// <summary>The inner link's MTU.</summary>
    public int Mtu => _inner.Mtu;

    /// <summary>The inner link's header length.</summary>
    public int LinkHeaderLength => _inner.LinkHeaderLength;

    /// <summary>The inner link's capabilities.</summary>
    public LinkCapabilities Capabilities => _inner.Capabilities;

    /// <summary>The inner link's GSO limit.</summary>
    public int GsoMaxSize => _inner.GsoMaxSize;

    /// <summary>Attaches <paramref name="dispatcher"/> (the stack) and attaches this sniffer to the inner link.</summary>
    /// <exception cref="InvalidOperationException">Already attached.</exception>
    public void Attach(INetworkDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        if (Interlocked.CompareExchange(ref _dispatcher, dispatcher, null) is not null)
        {
            throw new InvalidOperationException("PcapSniffer is already attached.");
        }
        _inner.Attach(this);
    }

    /// <summary>Records the batch, then writes it to the inner link.</summary>
    public void WritePackets(PacketBatch batch)
    {
        Record(batch);
        _inner.WritePackets(batch);
    }

    /// <summary>Inbound from the inner link: record, then hand up with this sniffer as the link.</summary>
    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        Record(batch);
        INetworkDispatcher? dispatcher = Volatile.Read(ref _dispatcher);
        if (dispatcher is null)
        {
            batch.ReleaseAll();
            return;
        }
        dispatcher.DeliverPackets(this, batch);
    }

    /// <summary>Pushes the records written so far to the file.</summary>
    public void Flush() => _writer.Flush();

    /// <summary>Disposes the inner link (so nothing more arrives), then flushes and closes the capture.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _inner.Dispose();
        _writer.Dispose();
    }

    /// <summary>Like <see cref="Dispose"/>, waiting for the inner link's threads without blocking the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _inner.DisposeAsync().ConfigureAwait(false);
        _writer.Dispose();
    }

    private void Record(PacketBatch batch)
    {
        if (batch.IsEmpty)
        {
            return;
        }
        DateTimeOffset now = _time.GetUtcNow();
        ReadOnlySpan<PacketBuffer> packets = batch.AsSpan();
        for (int i = 0; i < packets.Length; i++)
        {
            _writer.WritePacket(packets[i].Span, now);
        }
    }

    private static PcapLinkType LinkTypeOf(ILinkEndpoint inner) => inner.LinkHeaderLength switch
    {
        0 => PcapLinkType.Raw,
        14 => PcapLinkType.Ethernet,
        _ => throw new NotSupportedException($"PcapSniffer: no pcap link type for a {inner.LinkHeaderLength}-byte link header."),
    };

    private static FileStream OpenFile(ILinkEndpoint inner, string path)
    {
        _ = LinkTypeOf(inner); // fail before creating the file
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
    }
}
