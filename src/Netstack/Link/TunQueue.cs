using Netstack.Buffers;
using Netstack.Interop;
using Netstack.Offload;
using Netstack.Stack;

namespace Netstack.Link;

/// <summary>
/// One queue of a <see cref="TunLink"/>: a non-blocking TUN file descriptor, the dispatcher thread that reads it,
/// and the lock that serialises writes to it.
/// </summary>
/// <remarks>
/// The dispatcher sleeps in <c>poll</c> on the queue's descriptor and the link's stop eventfd, or (queue 0) in the
/// wait of the link's <see cref="IDispatcherCompanion"/>, if it has one, whose epoll set watches both; then it reads packets
/// until EAGAIN (one <c>read</c> per packet: a TUN descriptor returns exactly one packet per read), delivering
/// them in batches. Each packet is read straight into a pinned pooled block after the default headroom, so the
/// stack can prepend headers to a reply without copying. With IFF_VNET_HDR each read starts with a virtio_net_hdr
/// (decoded by <see cref="CompleteReceive"/>) and each write is gathered behind one (<see cref="WriteOne"/>).
/// </remarks>
internal sealed unsafe class TunQueue
{
    // How long a write waits for the device to drain before the packet is dropped (TUN writes rarely block).
    private const int WritePollMilliseconds = 20;

    [ThreadStatic]
    private static TunQueue? t_current; // queue affinity only (a dispatcher writes on its own queue); it never picks the link

    private readonly TunLink _link;
    private readonly int _index;
    private readonly Lock _writeLock = new();
    private int _fd;
    private DispatcherThread? _thread;

    public TunQueue(TunLink link, int index, int fd)
    {
        _link = link;
        _index = index;
        _fd = fd;
    }

    /// <summary>The queue whose dispatcher thread is the calling thread, if any.</summary>
    public static TunQueue? Current => t_current;

    public TunLink Link => _link;

    public int Index => _index;

    public Thread? Thread => _thread?.Thread;

    /// <summary>Blocks until the dispatcher thread has returned (at once when it never started or this is it).</summary>
    public void Join() => _thread?.Join();

    /// <summary>Completes once the dispatcher thread has returned (at once when it never started or this is it).</summary>
    public Task WhenStoppedAsync() => _thread?.WhenExitedAsync() ?? Task.CompletedTask;

    public int Fd => _fd;

    public void Start(INetworkDispatcher dispatcher, int stopFd)
    {
        _thread = new DispatcherThread($"tun {_link.Name} q{_index}", () => RunDispatcher(dispatcher, stopFd));
        _thread.Start();
    }

    private void RunDispatcher(INetworkDispatcher dispatcher, int stopFd)
    {
        t_current = this;
        var batch = new PacketBatch(_link.BatchSize);
        PacketBuffer? spare = null;
        long rxBytes = 0;
        long calls = 0; // added to the statistics once per wake-up, not per call
        PollFd* fds = stackalloc PollFd[2];
        try
        {
            while (true)
            {
                IDispatcherCompanion? companion = _index == 0 ? _link.Companion : null;
                calls++;
                DispatcherWake wake = companion is null
                    ? PollLink(fds, stopFd)
                    : companion.Wait(_fd, stopFd, companion.HasDeferredWork ? 1 : -1);
                if ((wake & DispatcherWake.Failed) != 0)
                {
                    Interlocked.Increment(ref _link.Statistics.RxErrors);
                    (dispatcher as NetStack)?.OnLinkFailed(_link, $"poll failed: errno {Errno.Last}");
                    return;
                }
                if ((wake & DispatcherWake.Stop) != 0)
                {
                    return; // the link is being disposed
                }
                bool companionReady = (wake & DispatcherWake.Companion) != 0;
                if ((wake & (DispatcherWake.LinkReadable | DispatcherWake.LinkError)) == 0)
                {
                    if (companionReady)
                    {
                        companion!.RunReady();
                    }
                    continue;
                }
                if ((wake & DispatcherWake.LinkReadable) == 0)
                {
                    // POLLERR/POLLHUP without data: the device was deleted under us. Nothing more will arrive.
                    Interlocked.Increment(ref _link.Statistics.RxErrors);
                    (dispatcher as NetStack)?.OnLinkFailed(_link, "the device reported an error or hang-up (deleted?)");
                    WaitForStop(fds, stopFd);
                    return;
                }

                bool dead = ReadAvailable(dispatcher, batch, ref spare, ref rxBytes, ref calls);
                if (!batch.IsEmpty)
                {
                    Deliver(dispatcher, batch, ref rxBytes);
                }
                if (companionReady)
                {
                    companion!.RunReady(); // after the batch: its ACKs already freed window for what the companion sends
                }
                Interlocked.Add(ref _link.Statistics.SystemCalls, calls);
                calls = 0;
                if (dead)
                {
                    WaitForStop(fds, stopFd);
                    return;
                }
            }
        }
        finally
        {
            batch.ReleaseAll();
            spare?.Release();
            t_current = null;
        }
    }

    /// <summary>Reads packets until EAGAIN (one per read), delivering full batches; true when the device is gone.</summary>
    private bool ReadAvailable(INetworkDispatcher dispatcher, PacketBatch batch, ref PacketBuffer? spare, ref long rxBytes, ref long calls)
    {
        PacketPool pool = _link.Pool;
        int readSize = _link.ReadSize;
        bool dead = false;
        while (true)
        {
            spare ??= pool.Rent(readSize);
            Span<byte> space = spare.Block.AsSpan(spare.Start, spare.Tailroom); // at least ReadSize
            nint n;
            fixed (byte* p = space)
            {
                n = LibC.Read(_fd, p, (nuint)space.Length);
            }
            calls++;
            if (n <= 0)
            {
                int errno = n < 0 ? Errno.Last : 0;
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno != Errno.EAGAIN)
                {
                    Interlocked.Increment(ref _link.Statistics.RxErrors);
                    dead = errno is 0 or Errno.EBADF or 77 /* EBADFD: detached */ or Errno.EIO;
                }
                break;
            }
            PacketBuffer packet = spare;
            spare = null;
            packet.Append((int)n);
            if (!CompleteReceive(packet))
            {
                Interlocked.Increment(ref _link.Statistics.RxErrors);
                packet.Release();
                continue;
            }
            rxBytes += n;
            batch.Add(packet);
            if (batch.Count >= _link.BatchSize || rxBytes >= _link.BatchBytes)
            {
                Deliver(dispatcher, batch, ref rxBytes);
            }
        }
        return dead;
    }

    /// <summary>Without a companion: sleeps in poll(2) on the link and the stop descriptor.</summary>
    private DispatcherWake PollLink(PollFd* fds, int stopFd)
    {
        fds[0] = new PollFd { Fd = _fd, Events = LibC.POLLIN };
        fds[1] = new PollFd { Fd = stopFd, Events = LibC.POLLIN };
        if (LibC.Poll(fds, 2, -1) < 0)
        {
            return Errno.Last == Errno.EINTR ? DispatcherWake.None : DispatcherWake.Failed;
        }
        DispatcherWake wake = fds[1].ReturnedEvents != 0 ? DispatcherWake.Stop : DispatcherWake.None;
        if (fds[0].ReturnedEvents != 0)
        {
            wake |= (fds[0].ReturnedEvents & LibC.POLLIN) != 0 ? DispatcherWake.LinkReadable : DispatcherWake.LinkError;
        }
        return wake;
    }

    private static void WaitForStop(PollFd* fds, int stopFd)
    {
        while (true)
        {
            fds[0] = new PollFd { Fd = stopFd, Events = LibC.POLLIN };
            if (LibC.Poll(fds, 1, -1) > 0 || Errno.Last != Errno.EINTR)
            {
                return;
            }
        }
    }

    private void Deliver(INetworkDispatcher dispatcher, PacketBatch batch, ref long rxBytes)
    {
        // Counted once per batch, not per packet: queues share the counters.
        Interlocked.Add(ref _link.Statistics.RxPackets, batch.Count);
        Interlocked.Add(ref _link.Statistics.RxBytes, rxBytes);
        rxBytes = 0;
        try
        {
            dispatcher.DeliverPackets(_link, batch);
        }
#pragma warning disable CA1031 // A dispatcher bug must not kill the link's thread; it is counted instead.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _link.Statistics.RxErrors);
        }
        // The dispatcher owns the references; if it threw before clearing, forgetting them leaks at worst (never a double release).
        batch.Clear();
    }

    /// <summary>
    /// Turns the bytes read into a packet starting at the IP header; false drops it. With vnet_hdr the header is
    /// decoded into <see cref="PacketBuffer.Offload"/> (a GRO super-segment, a verified or partial checksum) and
    /// trimmed off; a header the kernel would never send is refused.
    /// </summary>
    private bool CompleteReceive(PacketBuffer packet)
    {
        if (!_link.VirtioNetHeader)
        {
            return packet.Length > 0;
        }
        Span<byte> bytes = packet.Span;
        if (bytes.Length <= VirtioNetHeader.Length
            || !VirtioNetHeader.TryDecode(bytes[..VirtioNetHeader.Length], bytes[VirtioNetHeader.Length..], out OffloadInfo offload))
        {
            return false;
        }
        packet.TrimFront(VirtioNetHeader.Length);
        packet.Offload = offload;
        return true;
    }

    /// <summary>Whether the device can take the packet: super-segments and partial checksums only with vnet_hdr.</summary>
    private bool CanTransmit(PacketBuffer packet) =>
        packet.Length > 0 && (_link.VirtioNetHeader || (packet.Offload.GsoType == GsoType.None && !packet.Offload.NeedsChecksum));

    /// <summary>Writes the batch's packets in order, releasing each, and clears the batch.</summary>
    public void Write(PacketBatch batch)
    {
        long packetsOut = 0, bytesOut = 0, errors = 0, dropped = 0, calls = 0;
        lock (_writeLock)
        {
            ReadOnlySpan<PacketBuffer> packets = batch.AsSpan();
            for (int i = 0; i < packets.Length; i++)
            {
                PacketBuffer packet = packets[i];
                if (_fd < 0 || !CanTransmit(packet))
                {
                    dropped++;
                }
                else
                {
                    switch (WriteOne(packet, ref calls))
                    {
                        case WriteResult.Written:
                            packetsOut++;
                            bytesOut += packet.Length;
                            break;
                        case WriteResult.Full:
                            dropped++;
                            break;
                        default:
                            errors++;
                            break;
                    }
                }
                packet.Release();
            }
        }
        batch.Clear();

        // Counted once per batch, not per packet: queues share the counters.
        TunLinkStatistics stats = _link.Statistics;
        if (calls != 0)
        {
            Interlocked.Add(ref stats.SystemCalls, calls);
        }
        if (packetsOut != 0)
        {
            Interlocked.Add(ref stats.TxPackets, packetsOut);
            Interlocked.Add(ref stats.TxBytes, bytesOut);
        }
        if (errors != 0)
        {
            Interlocked.Add(ref stats.TxErrors, errors);
        }
        if (dropped != 0)
        {
            Interlocked.Add(ref stats.TxDropped, dropped);
        }
    }

    private enum WriteResult
    {
        Written,
        Full,
        Error,
    }

    /// <summary>
    /// One packet, one system call. With vnet_hdr the header is built on the stack and gathered in front of the
    /// packet with <c>writev</c>, so the (possibly shared) buffer is never modified.
    /// </summary>
    private WriteResult WriteOne(PacketBuffer packet, ref long calls)
    {
        Span<byte> bytes = packet.Span;
        byte* header = stackalloc byte[VirtioNetHeader.Length];
        IoVec* vectors = stackalloc IoVec[2];
        int headerLength = _link.VirtioNetHeader
            ? VirtioNetHeader.Write(new Span<byte>(header, VirtioNetHeader.Length), packet.Offload, ecn: VirtioNetHeader.IsTcpSuperSegmentWithCwr(bytes, packet.Offload))
            : 0;
        bool waited = false;
        while (true)
        {
            nint n;
            calls++;
            fixed (byte* p = bytes)
            {
                if (headerLength == 0)
                {
                    n = LibC.Write(_fd, p, (nuint)bytes.Length);
                }
                else
                {
                    vectors[0] = new IoVec { Base = header, Length = (nuint)headerLength };
                    vectors[1] = new IoVec { Base = p, Length = (nuint)bytes.Length };
                    n = LibC.Writev(_fd, vectors, 2);
                }
            }
            if (n == headerLength + bytes.Length)
            {
                return WriteResult.Written;
            }
            int errno = n < 0 ? Errno.Last : Errno.EIO; // a short write cannot happen on TUN; treat it as an error
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno != Errno.EAGAIN)
            {
                return WriteResult.Error;
            }
            if (waited)
            {
                return WriteResult.Full;
            }
            // Full: wait briefly for room once, never indefinitely (the link must not stall the stack).
            waited = true;
            var pfd = new PollFd { Fd = _fd, Events = LibC.POLLOUT };
            calls++;
            if (LibC.Poll(&pfd, 1, WritePollMilliseconds) <= 0)
            {
                return WriteResult.Full;
            }
        }
    }

    /// <summary>Closes the descriptor once no write is in progress; later writes drop their packets.</summary>
    public void Close()
    {
        lock (_writeLock)
        {
            TunDevice.Close(_fd);
            _fd = -1;
        }
    }
}
