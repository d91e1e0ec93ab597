using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>
/// One end of an in-memory pair of IP links (no link header), for two stacks in one process or a stack and a
/// hand-driven test peer. A write moves the packet references into the peer's receive queue without copying —
/// the very same <see cref="PacketBuffer"/> arrives on the other side — and the peer delivers them to its
/// <see cref="INetworkDispatcher"/> on its own dispatcher thread, when the test pumps, or on the writer's thread
/// (see <see cref="ChannelDispatchMode"/>). Only <see cref="ChannelDispatchMode.Inline"/> delivers inside
/// <see cref="WritePackets"/>; a stack writes to links only outside its protocol locks, so that is safe.
/// </summary>
/// <remarks>
/// Like a real link it drops, and counts, a packet larger than the MTU that is not a GSO super-segment
/// (<see cref="MtuDrops"/>), and tail-drops when the receiving queue is full (<see cref="QueueDrops"/>).
/// When the pair advertises <see cref="LinkCapabilities.Gso"/>, super-segments up to <see cref="GsoMaxSize"/>
/// pass whole and arrive with <see cref="OffloadInfo.SegmentCount"/> set (what GRO on the peer would have
/// built). A partial checksum (<see cref="OffloadInfo.NeedsChecksum"/>) arrives with
/// <see cref="OffloadInfo.ChecksumValid"/> set when the pair advertises
/// <see cref="LinkCapabilities.RxChecksumOffload"/> (it stays partial, like Linux's CHECKSUM_PARTIAL across a
/// veth pair); otherwise the link completes it in software before it leaves.
/// </remarks>
public sealed class ChannelLink : ILinkEndpoint
{
    private readonly object _gate = new(); // guards _queue, _disposed, _dispatcher
    private readonly PacketQueue _queue;
    private readonly Lock _deliverLock = new(); // one delivery at a time per end
    private readonly PacketBatch _deliverBatch = new();
    private readonly ChannelDispatchMode _mode;
    private readonly string _name;
    private ChannelLink _peer = null!;
    private INetworkDispatcher? _dispatcher;
    private DispatcherThread? _thread;
    private bool _disposed;
    private long _txPackets;
    private long _txBytes;
    private long _rxPackets;
    private long _rxBytes;
    private long _mtuDrops;
    private long _closedDrops;
    private long _queueDrops;

    private ChannelLink(ChannelLinkOptions options, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, 68);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GsoMaxSize, options.Mtu);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.GsoMaxSize, PacketPool.MaxPacketSize);
        Mtu = options.Mtu;
        Capabilities = options.Capabilities & ~LinkCapabilities.Ethernet;
        GsoMaxSize = options.GsoMaxSize;
        _mode = options.DispatchMode;
        _queue = new PacketQueue(options.QueueLimit);
        _name = name;
    }

    /// <summary>Creates two connected ends: what one writes, the other receives.</summary>
    public static ChannelLinkPair CreatePair(ChannelLinkOptions? options = null)
    {
        options ??= new ChannelLinkOptions();
        var a = new ChannelLink(options, "A");
        var b = new ChannelLink(options, "B");
        a._peer = b;
        b._peer = a;
        return new ChannelLinkPair(a, b);
    }

    /// <summary>
    /// In <see cref="ChannelDispatchMode.Manual"/> mode, pumps both ends until nothing is queued; returns the packets delivered.
    /// </summary>
    /// <exception cref="InvalidOperationException">Still not idle after <paramref name="maxRounds"/> rounds (the two sides keep answering each other).</exception>
    public static int PumpUntilIdle(ChannelLink a, ChannelLink b, int maxRounds = 10000)
    {
        int total = 0;
        for (int round = 0; round < maxRounds; round++)
        {
            int n = a.Pump() + b.Pump();
            if (n == 0)
            {
                return total;
            }
            total += n;
        }
        throw new InvalidOperationException($"ChannelLink: still busy after {maxRounds} pump rounds.");
    }

    /// <summary>The MTU in bytes given by <see cref="ChannelLinkOptions.Mtu"/>.</summary>
    public int Mtu { get; }

    /// <summary>0: packets start at the IP header.</summary>
    public int LinkHeaderLength => 0;

    /// <summary>The pair's <see cref="ChannelLinkOptions.Capabilities"/> (without <see cref="LinkCapabilities.Ethernet"/>).</summary>
    public LinkCapabilities Capabilities { get; }

    /// <summary>The largest super-segment in bytes given by <see cref="ChannelLinkOptions.GsoMaxSize"/>.</summary>
    public int GsoMaxSize { get; }

    /// <summary>The other end.</summary>
    public ChannelLink Peer => _peer;

    /// <summary>Which end this is ("A" or "B"), for thread names and messages.</summary>
    public string Name => _name;

    /// <summary>Packets waiting in this end's receive queue.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Packets this end passed to its peer.</summary>
    public long TxPackets => Interlocked.Read(ref _txPackets);

    /// <summary>Bytes this end passed to its peer.</summary>
    public long TxBytes => Interlocked.Read(ref _txBytes);

    /// <summary>Packets delivered to this end's dispatcher.</summary>
    public long RxPackets => Interlocked.Read(ref _rxPackets);

    /// <summary>Bytes delivered to this end's dispatcher.</summary>
    public long RxBytes => Interlocked.Read(ref _rxBytes);

    /// <summary>Packets this end refused to send: larger than the MTU without a GSO type the link can segment, larger than <see cref="GsoMaxSize"/>, or with checksum offsets outside the packet.</summary>
    public long MtuDrops => Interlocked.Read(ref _mtuDrops);

    /// <summary>Packets written after either end was disposed (released, not sent).</summary>
    public long ClosedDrops => Interlocked.Read(ref _closedDrops);

    /// <summary>Packets tail-dropped at this end because its receive queue was full.</summary>
    public long QueueDrops => Interlocked.Read(ref _queueDrops);

    /// <summary>All packets dropped by this end, sending or receiving.</summary>
    public long Drops => MtuDrops + ClosedDrops + QueueDrops;

    /// <summary>Starts delivering to <paramref name="dispatcher"/>: in Thread mode a dispatcher thread starts; in Inline mode what the peer already wrote is delivered now.</summary>
    /// <exception cref="InvalidOperationException">This end is already attached.</exception>
    public void Attach(INetworkDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_dispatcher is not null)
            {
                throw new InvalidOperationException($"ChannelLink {_name} is already attached.");
            }
            _dispatcher = dispatcher;
            if (_mode == ChannelDispatchMode.Thread)
            {
                _thread = new DispatcherThread("ChannelLink " + _name + " dispatcher", DispatchLoop);
                _thread.Start();
            }
        }
        if (_mode == ChannelDispatchMode.Inline)
        {
            DeliverInline(); // what the peer wrote before we were attached
        }
    }

    /// <summary>Moves the batch's packets into the peer's receive queue (see the type remarks for drops and offloads), consuming their references, and clears the batch.</summary>
    public void WritePackets(PacketBatch batch)
    {
        ChannelLink peer = _peer;
        ReadOnlySpan<PacketBuffer> packets = batch.AsSpan();
        int accepted = 0;
        bool wake = false;
        for (int i = 0; i < packets.Length; i++)
        {
            PacketBuffer packet = packets[i];
            if (!PrepareForPeer(packet))
            {
                Interlocked.Increment(ref _mtuDrops);
                packet.Release();
                continue;
            }
            int length = packet.Length;
            bool queued;
            lock (peer._gate)
            {
                queued = !peer._disposed && !_disposed && peer._queue.TryEnqueue(packet);
                wake |= queued && peer._queue.Count == 1;
            }
            if (queued)
            {
                accepted++;
                Interlocked.Add(ref _txBytes, length);
            }
            else
            {
                if (Volatile.Read(ref peer._disposed) || Volatile.Read(ref _disposed))
                {
                    Interlocked.Increment(ref _closedDrops);
                }
                else
                {
                    Interlocked.Increment(ref peer._queueDrops);
                }
                packet.Release();
            }
        }
        batch.Clear();
        Interlocked.Add(ref _txPackets, accepted);
        if (wake && peer._mode == ChannelDispatchMode.Thread)
        {
            lock (peer._gate)
            {
                Monitor.Pulse(peer._gate);
            }
        }
        else if (accepted > 0 && peer._mode == ChannelDispatchMode.Inline)
        {
            peer.DeliverInline();
        }
    }

    /// <summary>
    /// Inline mode: delivers this end's queue on the calling thread, the way Linux loopback processes a packet in
    /// the sender's softirq. A thread already delivering at this end (a reply to a reply) only queues, and so does
    /// one that finds another thread delivering: the deliverer drains the queue again before it leaves, so nothing
    /// waits for a later write and the recursion is at most one level per end.
    /// </summary>
    private void DeliverInline()
    {
        if (_deliverLock.IsHeldByCurrentThread)
        {
            return;
        }
        while (_deliverLock.TryEnter())
        {
            try
            {
                while (true)
                {
                    INetworkDispatcher? dispatcher;
                    lock (_gate)
                    {
                        dispatcher = _dispatcher;
                        if (_disposed || dispatcher is null || _queue.DequeueTo(_deliverBatch, PacketBatch.DefaultCapacity) == 0)
                        {
                            break;
                        }
                    }
                    Deliver(dispatcher);
                }
            }
            finally
            {
                _deliverLock.Exit();
            }
            lock (_gate)
            {
                // A writer that queued after our last look and found the lock taken left its packets to us.
                if (_disposed || _dispatcher is null || _queue.Count == 0)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// In <see cref="ChannelDispatchMode.Manual"/> mode, delivers the packets queued at this end right now (not
    /// the ones their processing sends back) on the caller's thread; returns how many. Does nothing before
    /// <see cref="Attach"/>.
    /// </summary>
    public int Pump()
    {
        if (_mode != ChannelDispatchMode.Manual)
        {
            throw new InvalidOperationException("ChannelLink.Pump is for ChannelDispatchMode.Manual; in Thread and Inline modes the link delivers by itself.");
        }
        lock (_deliverLock)
        {
            INetworkDispatcher? dispatcher;
            int remaining;
            lock (_gate)
            {
                dispatcher = _dispatcher;
                remaining = _disposed || dispatcher is null ? 0 : _queue.Count;
            }
            int delivered = 0;
            while (remaining > 0)
            {
                int n;
                lock (_gate)
                {
                    n = _queue.DequeueTo(_deliverBatch, Math.Min(remaining, PacketBatch.DefaultCapacity));
                }
                if (n == 0)
                {
                    break;
                }
                remaining -= n;
                delivered += n;
                Deliver(dispatcher!);
            }
            return delivered;
        }
    }

    /// <summary>Stops the dispatcher thread (after the batch it is delivering) and releases every queued packet.</summary>
    public void Dispose()
    {
        if (StopDispatching(out DispatcherThread? thread))
        {
            thread?.Join();
            ReleaseQueued();
        }
    }

    /// <summary>Like <see cref="Dispose"/>, waiting for the dispatcher thread without blocking the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (StopDispatching(out DispatcherThread? thread))
        {
            if (thread is not null)
            {
                await thread.WhenExitedAsync().ConfigureAwait(false);
            }
            ReleaseQueued();
        }
    }

    /// <summary>Marks the end disposed and wakes its dispatcher thread (returned, to wait for); false when it already was.</summary>
    private bool StopDispatching(out DispatcherThread? thread)
    {
        lock (_gate)
        {
            thread = _thread;
            if (_disposed)
            {
                return false;
            }
            _disposed = true;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    private void ReleaseQueued()
    {
        lock (_deliverLock)
        {
            lock (_gate)
            {
                _queue.ReleaseAll();
            }
        }
    }

    /// <summary>The dispatcher thread in <see cref="ChannelDispatchMode.Thread"/> mode once attached (for tests).</summary>
    internal Thread? DispatcherThread => _thread?.Thread;

    /// <summary>"ChannelLink A (mtu 1500, Gso)": the end's name, MTU and capabilities.</summary>
    public override string ToString() => $"ChannelLink {_name} (mtu {Mtu}, {Capabilities})";

    /// <summary>Checks the packet against the MTU and completes or marks offloads as the peer will see them; false to drop it.</summary>
    private bool PrepareForPeer(PacketBuffer packet)
    {
        ref OffloadInfo offload = ref packet.Offload;
        int length = packet.Length;
        if (offload.GsoType == GsoType.None)
        {
            if (length > Mtu)
            {
                return false;
            }
            offload.SegmentCount = 1;
        }
        else
        {
            bool canSegment = (Capabilities & (offload.GsoType is GsoType.Udp or GsoType.UdpL4 ? LinkCapabilities.UdpGso : LinkCapabilities.Gso)) != 0;
            if (!canSegment || length > GsoMaxSize)
            {
                return false;
            }
            int payload = length - offload.HeaderLength;
            offload.SegmentCount = (ushort)(offload.GsoSize == 0 || payload <= 0 ? 1 : (payload + offload.GsoSize - 1) / offload.GsoSize);
        }
        if (offload.NeedsChecksum)
        {
            if ((Capabilities & LinkCapabilities.RxChecksumOffload) != 0)
            {
                offload.ChecksumValid = true;
            }
            else if (!ChecksumHelp.TryComplete(packet))
            {
                return false;
            }
        }
        packet.InterfaceId = 0; // the sender's interface means nothing on the other side
        return true;
    }

    private void DispatchLoop()
    {
        while (true)
        {
            INetworkDispatcher dispatcher;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_disposed)
                {
                    Monitor.Wait(_gate);
                }
                if (_disposed)
                {
                    return;
                }
                dispatcher = _dispatcher!;
                _queue.DequeueTo(_deliverBatch, PacketBatch.DefaultCapacity);
            }
            lock (_deliverLock)
            {
                Deliver(dispatcher);
            }
        }
    }

    private void Deliver(INetworkDispatcher dispatcher)
    {
        PacketBatch batch = _deliverBatch;
        long bytes = 0;
        ReadOnlySpan<PacketBuffer> packets = batch.AsSpan();
        for (int i = 0; i < packets.Length; i++)
        {
            bytes += packets[i].Length;
        }
        Interlocked.Add(ref _rxPackets, packets.Length);
        Interlocked.Add(ref _rxBytes, bytes);
        dispatcher.DeliverPackets(this, batch);
        batch.Clear(); // the dispatcher owns the references now, whether or not it cleared the batch
    }
}
