using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// The receiving half of one connection: the receive sequence space (RFC 9293 §3.3.1), in-order payloads queued as
/// the packet buffers themselves and out-of-order ones in <see cref="TcpReassembly"/>, the window we offer (RFC 7323
/// §2 scaling, receiver SWS avoidance RFC 9293 §3.8.6.2.2, receive-buffer auto-tuning), the ACK we owe (delayed ACKs,
/// RFC 9293 §3.8.6.3 / RFC 5681 §4.2), the SACK and D-SACK blocks we report (RFC 2018, RFC 2883) and TS.Recent
/// (RFC 7323 §4.3).
/// </summary>
/// <remarks>
/// Owned by its <see cref="TcpEndpoint"/> and used only under the endpoint's lock; the endpoint keeps the state
/// machine (which state may take data or a FIN) and the timers, and reads and writes these fields directly.
/// </remarks>
internal sealed class TcpReceiver
{
    private readonly TcpProtocol _protocol;
    private readonly TcpEndpointOptions _options;
    private int _unackedSegments; // in-order segments received since the last ACK we sent
    private long _unackedBytes;   // and their bytes

    // Quick-ACK mode (Linux tcp_incr_quickack, TCP_MAX_QUICKACKS): while _quickAcks lasts, every in-order segment is
    // acknowledged at once instead of every second one, so a peer in slow start is not held up by delayed ACKs. It
    // starts with the first data and again when data arrives after the peer was idle longer than the RTO.
    private const int MaxQuickAcks = 16;
    private int _quickAcks;
    private bool _dataSeen;
    private TimeSpan _lastDataAt;

    /// <summary>In-order payloads waiting for the application.</summary>
    internal readonly TcpReceiveQueue Queue;

    /// <summary>Out-of-order payloads, until the hole before them fills.</summary>
    internal readonly TcpReassembly Reassembly;

    /// <summary>IRS: the peer's initial sequence number.</summary>
    internal SeqNumber Irs;

    /// <summary>RCV.NXT: the next sequence number expected.</summary>
    internal SeqNumber RcvNxt;

    /// <summary>
    /// RCV.NXT + RCV.WND as last announced: the right edge of the window we offered. It never moves left
    /// (RFC 9293 §3.8.6.2.2, RFC 7323 §2.4), so RCV.WND is derived from it (<see cref="Window"/>).
    /// </summary>
    internal SeqNumber WindowEdge;

    /// <summary>Last.ACK.sent (RFC 7323 §4.3): the acknowledgment number of the last ACK we sent.</summary>
    internal SeqNumber LastAckSent;

    /// <summary>Rcv.Wind.Shift (RFC 7323 §2.2): how far the window fields we send are scaled; 0 without window scaling.</summary>
    internal int WindowShift;

    /// <summary>The MSS we announced in our SYN: the largest payload the peer may send us.</summary>
    internal int AdvertisedMss;

    /// <summary>The peer's FIN was received in order (RCV.NXT counts it).</summary>
    internal bool FinReceived;

    /// <summary>A FIN arrived beyond a hole, at <see cref="PendingFinSeq"/>; processed once the data before it arrives.</summary>
    internal bool PendingFin;

    /// <summary>Where the pending FIN sits.</summary>
    internal SeqNumber PendingFinSeq;

    /// <summary>TS.Recent (RFC 7323 §4.3): the timestamp to echo, also the PAWS reference (§5.3).</summary>
    internal uint TsRecent;

    /// <summary>When <see cref="TsRecent"/> was last taken from a segment (Linux <c>ts_recent_stamp</c>).</summary>
    internal TimeSpan TsRecentStamp;

    /// <summary>A D-SACK block (RFC 2883) waits to be reported: <see cref="Dsack"/>.</summary>
    internal bool HasDsack;

    /// <summary>The duplicate range to report first in the next ACK's SACK option.</summary>
    internal SackBlock Dsack;

    /// <summary>An ACK is owed now (not after the delayed-ACK timer); cleared by any segment that carries an ACK.</summary>
    internal bool AckNow;

    /// <summary>Payload bytes that became in order (for <see cref="TcpInfo"/>), whether they came in order or waited in the reassembly queue.</summary>
    internal long BytesReceived;

    /// <summary>Grows the receive buffer with the rate the application reads (set once established, when enabled).</summary>
    internal ReceiveBufferAutoTuner? AutoTuner;

    internal TcpReceiver(TcpProtocol protocol, TcpEndpointOptions options)
    {
        _protocol = protocol;
        _options = options;
        Queue = new TcpReceiveQueue(protocol.Statistics);
        Reassembly = new TcpReassembly(protocol.Statistics);
    }

    private TcpStatistics Stats => _protocol.Statistics;

    /// <summary>RCV.WND as last announced: what the peer may still send beyond RCV.NXT.</summary>
    internal uint Window => (uint)Math.Max(0, WindowEdge - RcvNxt);

    /// <summary>The receive buffer in force: the auto-tuner's, or the configured one.</summary>
    internal long BufferSize =>
        AutoTuner is not null && _options.ReceiveBufferAutoTuning ? Math.Max(AutoTuner.Buffer, _options.ReceiveBufferSize) : _options.ReceiveBufferSize;

    /// <summary>Whether an ACK would carry SACK blocks (on a SACK connection): a D-SACK or out-of-order data held.</summary>
    internal bool HasSackBlocks => HasDsack || !Reassembly.IsEmpty;

    /// <summary>The connection is established: start auto-tuning the receive buffer when the options ask for it.</summary>
    internal void OnEstablished()
    {
        if (_options.ReceiveBufferAutoTuning)
        {
            AutoTuner = new ReceiveBufferAutoTuner((uint)_options.ReceiveBufferSize,
                (uint)Math.Max(_options.ReceiveBufferSize, Math.Min(_options.MaxReceiveBufferSize, ushort.MaxValue << WindowShift)), (uint)AdvertisedMss);
        }
    }

    /// <summary>The four cases of the acceptability test (RFC 9293 §3.10.7.4, first).</summary>
    internal bool IsAcceptable(in TcpSegment seg)
    {
        uint window = Window;
        uint length = seg.SeqLength;
        if (length == 0)
        {
            return window == 0 ? seg.Seq == RcvNxt : seg.Seq == RcvNxt || seg.Seq.InWindow(RcvNxt, window);
        }
        if (window == 0)
        {
            return false;
        }
        return seg.Seq.InWindow(RcvNxt, window) || (seg.Seq + (length - 1)).InWindow(RcvNxt, window);
    }

    /// <summary>Data we already had arrived again: report it as a D-SACK block (RFC 2883 §4) in the next ACK.</summary>
    internal void RecordOldDuplicate(SeqNumber start, SeqNumber end)
    {
        Dsack = new SackBlock(start, end);
        HasDsack = true;
        TcpStatistics.Increment(ref Stats.TCPDSACKOldSent);
    }

    /// <summary>
    /// Seventh step of RFC 9293 §3.10.7.4 for the bytes: queues the in-window part of the payload (the packet itself,
    /// no copy) in order, or in the reassembly queue when it lies beyond a hole, and decides the ACK (RFC 5681 §4.2).
    /// Returns true when bytes reached the receive queue; <paramref name="delayAck"/> then says whether the ACK may wait
    /// for the delayed-ACK timer. <paramref name="packet"/> is positioned at the TCP header; a reference is taken.
    /// </summary>
    internal bool Accept(in TcpSegment seg, PacketBuffer packet, bool sack, TimeSpan rto, out bool delayAck)
    {
        delayAck = false;
        NoteDataArrival(rto);
        SeqNumber seq = seg.Seq;
        int length = seg.PayloadLength;
        int skip = RcvNxt - seq;
        if (skip >= length)
        {
            // Entirely old: a duplicate, reported with D-SACK (RFC 2883).
            if (sack)
            {
                RecordOldDuplicate(seq, seq + length);
            }
            AckNow = true;
            return false;
        }
        skip = Math.Max(skip, 0);
        int beyond = (seq + length) - WindowEdge;
        int keep = length - skip - Math.Max(beyond, 0);
        if (keep <= 0)
        {
            AckNow = true;
            return false;
        }
        // The in-window part, the packet itself (no copy) unless it is small for its block: then it is appended to the
        // queue's tail block, or copied into a block of its own size (RightSized).
        packet.AddReference();
        packet.TrimFront(seg.HeaderLength + skip);
        packet.Truncate(keep);
        seq += (uint)skip;
        if (seq == RcvNxt && keep * 4 <= packet.Capacity && Queue.TryAppendToTail(packet.Span))
        {
            packet.Release();
            TcpStatistics.Increment(ref Stats.TCPRcvCoalesce);
        }
        else
        {
            PacketBuffer payload = RightSized(packet);
            if (!TryReserveMemory(seq, payload.Capacity))
            {
                payload.Release();
                AckNow = true;
                return false;
            }
            if (seq != RcvNxt)
            {
                HoldOutOfOrder(seq, payload, sack);
                return false;
            }
            Queue.Enqueue(payload);
        }
        RcvNxt += (uint)keep;
        BytesReceived += keep;
        if (!Reassembly.IsEmpty)
        {
            SeqNumber filled = RcvNxt;
            RcvNxt = Reassembly.Drain(RcvNxt, Queue);
            BytesReceived += RcvNxt - filled; // what the hole held back is in order now too
            AckNow = true; // filling a hole is acknowledged at once (RFC 5681 §4.2)
        }
        else if (++_unackedSegments >= 2 || (_unackedBytes += keep) >= 2 * AdvertisedMss || _quickAcks > 0)
        {
            // RFC 5681 §4.2: at least every second full-sized segment; counted in bytes too, so a
            // coalesced (GRO) super-segment is acknowledged at once, as Linux does; every segment in quick-ACK mode.
            AckNow = true;
        }
        else
        {
            delayAck = true;
        }
        return true;
    }

    /// <summary>A payload beyond a hole goes to the reassembly queue; a duplicate ACK goes out at once (RFC 5681 §4.2).</summary>
    private void HoldOutOfOrder(SeqNumber seq, PacketBuffer packet, bool sack)
    {
        if (Reassembly.Insert(seq, packet, out bool duplicate, out bool merged))
        {
            TcpStatistics.Increment(ref Stats.TCPOFOQueue);
            if (merged)
            {
                TcpStatistics.Increment(ref Stats.TCPOFOMerge);
            }
        }
        else if (duplicate && sack)
        {
            Dsack = Reassembly.LastRange;
            HasDsack = true;
        }
        else if (!duplicate)
        {
            TcpStatistics.Increment(ref Stats.TCPOFODrop);
        }
        AckNow = true; // out of order: duplicate ACK at once (RFC 5681 §4.2)
    }

    /// <summary>
    /// A payload much smaller than the block it arrived in (a 1-byte segment in a 64 KiB vnet_hdr read) is copied into a
    /// pooled block of its own size, so what the queues hold is charged, and pinned, by what it needs; a block at least
    /// twice the size that would do is oversized. Returns the buffer to queue (the reference moves).
    /// </summary>
    private PacketBuffer RightSized(PacketBuffer packet)
    {
        PacketPool pool = _protocol.Host.Pool;
        int length = packet.Length;
        if (pool.BlockSizeFor(length, 0) * 2 > packet.Capacity)
        {
            return packet;
        }
        PacketBuffer copy = pool.Rent(length, headroom: 0);
        packet.Span.CopyTo(copy.Append(length));
        packet.Release();
        TcpStatistics.Increment(ref Stats.TCPRcvCollapsed);
        return copy;
    }

    /// <summary>The most block bytes this connection's queues may hold: twice the receive buffer (the window is counted in payload bytes, blocks carry overhead), at least the stack's per-connection minimum.</summary>
    internal long MemoryLimit => Math.Max(2 * BufferSize, _protocol.ReceiveMemoryMinimum);

    /// <summary>The block bytes this connection's receive and reassembly queues hold.</summary>
    internal long MemoryHeld => Queue.TrueSize + Reassembly.TrueSize;

    /// <summary>Whether the stack's TCP receive memory is at its limit: windows stop opening.</summary>
    private bool StackUnderPressure => Volatile.Read(ref Stats.ReceiveMemory) >= _protocol.ReceiveMemoryLimit;

    /// <summary>
    /// Whether a segment at <paramref name="seq"/> holding a block of <paramref name="trueSize"/> bytes may be queued:
    /// out-of-order data within this connection's limit and the stack's, in-order data (already bounded by the window
    /// offered) within the stack's, and always below the per-connection minimum, so a connection makes progress
    /// whatever the others hold (Linux <c>tcp_rmem[0]</c>). Over a limit the out-of-order
    /// queue is pruned above <paramref name="seq"/> first (Linux <c>tcp_prune_queue</c>, <c>tcp_prune_ofo_queue</c>);
    /// when that does not make room the segment is dropped, unacknowledged, and the peer retransmits it later.
    /// </summary>
    private bool TryReserveMemory(SeqNumber seq, int trueSize)
    {
        long deficit = MemoryDeficit(seq, trueSize);
        if (deficit <= 0)
        {
            return true;
        }
        TcpStatistics.Increment(ref Stats.PruneCalled);
        // Prune an eighth of the limit at least, as Linux does, so that a full queue is not pruned on every segment.
        if (Reassembly.PruneAbove(seq, Math.Max(deficit, MemoryLimit / 8)) > 0)
        {
            TcpStatistics.Increment(ref Stats.OfoPruned);
            AckNow = true; // data the peer saw SACKed is gone (reneging, RFC 2018 §8): say so at once
            if (MemoryDeficit(seq, trueSize) <= 0)
            {
                return true;
            }
        }
        TcpStatistics.Increment(ref seq == RcvNxt ? ref Stats.RcvPruned : ref Stats.TCPOFODrop);
        return false;
    }

    /// <summary>How many block bytes must be freed before <paramref name="trueSize"/> more fit; 0 or less when they fit.</summary>
    private long MemoryDeficit(SeqNumber seq, int trueSize)
    {
        long held = MemoryHeld + trueSize;
        long stackDeficit = Volatile.Read(ref Stats.ReceiveMemory) + trueSize - _protocol.ReceiveMemoryLimit;
        if (seq == RcvNxt)
        {
            // In-order data the window let in is bounded by that window, whatever blocks it came in: only the stack's
            // limit applies, and not below the minimum each connection may hold.
            return held <= _protocol.ReceiveMemoryMinimum ? 0 : stackDeficit;
        }
        return Math.Max(held - MemoryLimit, stackDeficit);
    }

    /// <summary>
    /// Fills <paramref name="blocks"/> with the SACK option to send: the D-SACK block first (RFC 2883 §4, reported once),
    /// then the out-of-order ranges, most recent first (RFC 2018 §4). Returns the count.
    /// </summary>
    internal int WriteSackBlocks(Span<SackBlock> blocks)
    {
        int n = 0;
        if (HasDsack)
        {
            blocks[n++] = Dsack;
            HasDsack = false;
        }
        return n + Reassembly.GetSackBlocks(blocks[n..]);
    }

    /// <summary>
    /// The window field for a segment we send now, scaled (RFC 7323 §2.3), and the right edge it announces remembered.
    /// Rounded up, never down: truncating a scaled window would move the right edge left (Linux tcp_select_window
    /// aligns up for the same reason), and the peer may already use those bytes.
    /// </summary>
    internal ushort AdvertiseWindow()
    {
        uint window = ReceiveWindow();
        ushort field = (ushort)Math.Min((window + (1u << WindowShift) - 1) >> WindowShift, ushort.MaxValue);
        WindowEdge = RcvNxt + ((uint)field << WindowShift);
        return field;
    }

    /// <summary>
    /// RCV.WND to offer: free receive buffer space, never moving the right edge left, and with receiver SWS
    /// avoidance (RFC 9293 §3.8.6.2.2): the edge only advances by at least min(buffer/2, MSS). The free space is also
    /// bounded by the block bytes this connection may still hold, and while the stack's TCP receive memory is at its
    /// limit the window opens to four segments at most (the in-order data each connection may always hold keeps it
    /// moving): as Linux, it stops growing rather than shrinking (RFC 9293 §3.8.6: a receiver should not retract the
    /// window it offered).
    /// </summary>
    internal uint ReceiveWindow()
    {
        long free = Math.Max(0, Math.Min(BufferSize - Queue.Bytes, MemoryLimit - MemoryHeld));
        if (StackUnderPressure)
        {
            free = Math.Min(free, 4L * AdvertisedMss); // Linux tcp_select_window under memory pressure: rcv_ssthresh <= 4 advmss
        }
        free = Math.Min(free, (long)ushort.MaxValue << WindowShift);
        free &= ~((1L << WindowShift) - 1);
        long current = Window;
        long threshold = Math.Min(BufferSize / 2, AdvertisedMss);
        if (free < current || free - current < threshold)
        {
            return (uint)current;
        }
        return (uint)free;
    }

    /// <summary>
    /// After a read: whether the window on offer grew enough to be announced in an ACK of its own. Linux tcp_cleanup_rbuf:
    /// only when the window at least doubles what the peer may still send; smaller openings ride on the next ACK.
    /// Otherwise every read of a bulk transfer costs a segment of its own (more of them than data segments once GRO
    /// merges those).
    /// </summary>
    internal bool WindowUpdateDue()
    {
        long current = Window;
        uint window = ReceiveWindow();
        return window > current && window >= 2 * current;
    }

    /// <summary>The application took <paramref name="read"/> bytes: feed the receive-buffer auto-tuner (once the RTT is known).</summary>
    internal void OnRead(int read, RttEstimator rtt)
    {
        if (AutoTuner is not null && rtt.HasSample)
        {
            AutoTuner.OnCopied((uint)read);
            AutoTuner.Adjust(_protocol.Host.Now, rtt.SmoothedRtt);
        }
    }

    /// <summary>
    /// Data arrived: the first data of the connection, or data after the peer was silent for longer than
    /// <paramref name="rto"/>, (re)starts quick-ACK mode with one quick ACK per two segments the window holds, at
    /// least 2 and at most 16 (Linux tcp_event_data_recv and tcp_incr_quickack).
    /// </summary>
    private void NoteDataArrival(TimeSpan rto)
    {
        TimeSpan now = _protocol.Host.Now;
        if (_options.QuickAck && (!_dataSeen || now - _lastDataAt > rto))
        {
            int budget = (int)Math.Clamp(Window / (2L * Math.Max(1, AdvertisedMss)), 2, MaxQuickAcks);
            _quickAcks = Math.Max(_quickAcks, budget);
        }
        _dataSeen = true;
        _lastDataAt = now;
    }

    /// <summary>Quick ACKs left before delayed ACKs resume (for tests).</summary>
    internal int QuickAcksLeft => _quickAcks;

    /// <summary>A segment carrying an ACK of RCV.NXT went out: nothing is owed any more.</summary>
    internal void OnAckSent()
    {
        if (_quickAcks > 0 && _unackedSegments > 0)
        {
            _quickAcks--; // a quick ACK was spent on received data (Linux tcp_dec_quickack_mode)
        }
        AckNow = false;
        _unackedSegments = 0;
        _unackedBytes = 0;
        LastAckSent = RcvNxt;
    }
}
