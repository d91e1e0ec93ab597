using Netstack.Stack;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>Deciding what to send and building segments into pooled packet buffers.</summary>
public sealed partial class TcpEndpoint
{
    private const int MaxTcpHeader = 60;

    /// <summary>
    /// Sends whatever the windows, Nagle (RFC 896) and sender SWS avoidance (RFC 9293 §3.8.6.2.1)
    /// allow, then a pure ACK if one is owed and nothing carried it.
    /// </summary>
    private void Output()
    {
        if (_state is TcpConnectionState.Established or TcpConnectionState.CloseWait or TcpConnectionState.FinWait1 or TcpConnectionState.Closing or TcpConnectionState.LastAck && _sender.SndUna != _sender.Iss)
        {
            bool hadUnsent = _sender.Unsent(_sender.Source.Length, out _) > 0;
            SeqNumber sndMaxBefore = _sender.SndMax;
            if (_inRecovery)
            {
                _recovery.Send();
            }
            else
            {
                if (_sender.SndUna == _sender.SndMax)
                {
                    ResumeAfterIdle();
                }
                SendData();
            }
            AfterTransmit(hadUnsent, sndMaxBefore);
        }
        if (_receiver.AckNow)
        {
            SendAck();
        }
        ArmLossProbe();
    }

    /// <summary>
    /// Sends new (or, after a timeout, go-back-N) data while the flight fits <paramref name="congestionWindow"/>
    /// (cwnd when negative) and the peer's window, in segments of at most <paramref name="maxSegmentBytes"/>;
    /// returns the segments sent. The sender decides each segment's length (windows, Nagle, cork, SWS avoidance,
    /// record ends).
    /// </summary>
    private int SendData(int maxSegments = int.MaxValue, long congestionWindow = -1, int maxSegmentBytes = int.MaxValue)
    {
        long buffered = _sender.Source.Length;
        int segments = 0;
        while (segments < maxSegments)
        {
            long unsent = _sender.Unsent(buffered, out bool finPending);
            if (unsent < 0)
            {
                return segments;
            }
            long take = _sender.Marks.Clip(_sender.SndNxt, unsent, out bool recordEnds);
            int length = _sender.SegmentLength(take, recordEnds, congestionWindow < 0 ? CongestionWindow : congestionWindow,
                Math.Min(MaxSegmentPayload(), maxSegmentBytes), CurrentMss, NagleMode, out bool needsProbe, out bool tailHeld);
            if (length < 0)
            {
                if (needsProbe && !IsArmed(TimerKind.Persist))
                {
                    // Nothing in flight, so no ACK will come: a lost window update would stall us forever (and a
                    // corked tail would wait for ever: Linux lets it go when this timer fires, tcp_write_wakeup).
                    _persistBackoff = 0;
                    SetDeadline(TimerKind.Persist, CurrentRto());
                }
                return segments;
            }
            bool fin = finPending && length == unsent;
            SendAtSndNxt(length, fin, PushesNewSegment(length, unsent, tailHeld));
            segments++;
            if (fin)
            {
                return segments;
            }
        }
        return segments;
    }

    /// <summary>
    /// Whether the segment of <paramref name="length"/> bytes at SND.NXT carries PSH (RFC 9293 §3.9.1 leaves it to the
    /// sender): it holds the end of a write that asked for a push (RFC 1122 §4.2.2.2); or it is new data in a
    /// super-segment the link splits, whose last piece then carries PSH so the receiver's GRO delivers the burst at
    /// once (Linux forces PSH on every GSO packet in __tcp_transmit_skb), unless cork held its partial tail back; or
    /// it is a tail cork held until the persist timer let it go (Linux tcp_write_wakeup). An attached source has no
    /// write boundaries: PSH goes on the segment that empties it (<paramref name="unsent"/> bytes were waiting).
    /// </summary>
    private bool PushesNewSegment(int length, long unsent, bool tailHeld)
    {
        if (!_sender.UsesOwnBuffer)
        {
            return length == unsent && length > 0;
        }
        SeqNumber seq = _sender.SndNxt;
        return length > 0 && (_sender.Marks.Pushes(seq, length) || _pushReleased
            || (seq >= _sender.SndMax && length > CurrentMss && !tailHeld));
    }

    /// <summary>
    /// What may hold a short segment back now: an explicit push sends all; TCP_CORK, or a last write with
    /// <see cref="TcpWriteFlags.More"/>, corks (overriding TCP_NODELAY, as in Linux); else Nagle unless TCP_NODELAY.
    /// </summary>
    private TcpNagleMode NagleMode => _holdOverride
        ?? (_options.Cork || _moreFollows ? TcpNagleMode.Cork : _options.NoDelay ? TcpNagleMode.NoDelay : TcpNagleMode.Nagle);

    /// <summary>Set only while one <see cref="Output"/> runs for an explicit push.</summary>
    private TcpNagleMode? _holdOverride;

    /// <summary>Set only while the persist timer lets a held tail go: it carries PSH.</summary>
    private bool _pushReleased;

    /// <summary>
    /// The last write passed <see cref="TcpWriteFlags.More"/>: its partial tail waits until the next write without it,
    /// the next segment from the peer (Linux lets the tail go on an ACK as Nagle allows), or the persist timer.
    /// </summary>
    private bool _moreFollows;

    /// <summary>Output with <paramref name="hold"/> in force for this call only (Linux passes the nonagle bits to one tcp_push).</summary>
    private void OutputWith(TcpNagleMode hold)
    {
        _holdOverride = hold;
        try
        {
            Output();
        }
        finally
        {
            _holdOverride = null;
        }
    }

    /// <summary>One segment of <paramref name="length"/> bytes at SND.NXT (a retransmission after go-back-N, or new data), then SND.NXT advances.</summary>
    private void SendAtSndNxt(int length, bool fin, bool push)
    {
        TcpFlags flags = TcpFlags.Ack;
        if (fin)
        {
            flags |= TcpFlags.Fin;
        }
        if (push)
        {
            flags |= TcpFlags.Psh;
        }
        SeqNumber seq = _sender.SndNxt;
        bool retransmission = seq < _sender.SndMax;
        if (retransmission)
        {
            CountRetransmission(seq, length);
        }
        else
        {
            _sender.BytesSent += length;
            _deadlines[(int)TimerKind.LossProbe] = Never; // RFC 8985 §7.2: new data (or our FIN) restarts the PTO, armed again by Output
        }
        if (!retransmission && !_rttTiming && !_timestamps && !TimesRttFromSentLog && length > 0)
        {
            _rttTiming = true; // Karn's rule: time only new data, one segment at a time, when timestamps and the send log do not
            _rttSeq = seq;
            _rttStart = _host.Now;
        }
        SendSegment(flags, seq, seq - _sender.SndUna, length);
        _sender.OnSent(length, fin, CurrentMss);
        _deadlines[(int)TimerKind.Persist] = Never;
        if (!IsArmed(TimerKind.Retransmit))
        {
            SetDeadline(TimerKind.Retransmit, CurrentRto());
        }
    }

    private int MaxSegmentPayload()
    {
        int mss = CurrentMss;
        int limit = GsoPayloadLimit();
        if (limit > mss)
        {
            int segments = TcpTsoAutosize.MaxSegments(_congestion.CongestionWindow, _congestion.SlowStartThreshold, BytesInFlight,
                mss, _rtt.SmoothedRtt, MinRtt, limit, _options.MinTsoSegments);
            // Linux tcp_cwnd_test: a super-segment carries at most half the congestion window, so at least two are in
            // flight and an ACK clock keeps running on small windows (no effect once cwnd passes twice the GSO size).
            segments = Math.Min(segments, Math.Max((int)(_congestion.CongestionWindow / (uint)mss) / 2, 1));
            return Math.Max(mss, Math.Min(limit / mss, segments) * mss);
        }
        return mss;
    }

    /// <summary>The payload a super-segment could carry on this route before TSO autosizing; the MSS without GSO.</summary>
    private int GsoPayloadLimit()
    {
        int mss = CurrentMss;
        return (_route.Capabilities & LinkCapabilities.Gso) != 0 && _route.GsoMaxSize > mss
            ? Math.Min(_route.GsoMaxSize, PacketPool.MaxPacketSize) - MaxTcpHeader - 60
            : mss;
    }

    /// <summary>
    /// Payload bytes per segment right now: the MSS less room for SACK blocks while we hold
    /// out-of-order data (Linux tcp_current_mss), so a segment never outgrows the path MTU.
    /// </summary>
    private int CurrentMss =>
        _sack && _receiver.HasSackBlocks ? Math.Max(_sender.Mss - (4 + 8 * (_timestamps ? 3 : 4)), 32) : _sender.Mss;

    /// <summary>SYN (active open) or SYN-ACK (passive or simultaneous open), with the options of RFC 7323 / 2018.</summary>
    private void SendSyn()
    {
        bool active = _state == TcpConnectionState.SynSent;
        TcpFlags flags = (active ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack) | EcnSynFlags(active);
        TcpSegment h = NewHeader(flags, _sender.Iss);
        h.Mss = (ushort)_receiver.AdvertisedMss;
        h.WindowScale = (active ? _options.WindowScaling : _windowScaling) ? _receiver.WindowShift : -1;
        h.SackPermitted = active ? _options.Sack : _sack;
        h.HasTimestamp = active ? _options.Timestamps : _timestamps;
        h.TsVal = TsNow;
        h.TsEcr = active ? 0 : _receiver.TsRecent;
        h.Window = (ushort)Math.Min(_options.ReceiveBufferSize, ushort.MaxValue);
        _receiver.WindowEdge = _receiver.RcvNxt + h.Window;
        _synSentAt = _host.Now;
        Emit(ref h, 0, 0);
        _sender.OnSynSent();
        if (!IsArmed(TimerKind.Retransmit))
        {
            SetDeadline(TimerKind.Retransmit, CurrentRto());
        }
    }

    /// <summary>
    /// A pure ACK carries SND.MAX, not SND.NXT: after a timeout rewinds SND.NXT (go-back-N), an ACK
    /// numbered below what the peer already received would fail its acceptability test and be
    /// dropped unread; both ends doing so deadlocks the connection (found by the simulation).
    /// </summary>
    private void SendAck() => SendSegment(TcpFlags.Ack, _sender.SndMax, 0, 0);

    /// <summary>RFC 5961 §7 rate-limits challenge ACKs (Linux: tcp_challenge_ack_limit per second).</summary>
    private void SendChallengeAck()
    {
        if (_protocol.TryTakeChallengeAck())
        {
            TcpStatistics.Increment(ref Stats.TCPChallengeACK);
            SendAck();
        }
    }

    /// <summary>A zero-window or keepalive probe: an ACK carrying SND.UNA - 1, which the peer must answer.</summary>
    private void SendProbe() => SendSegment(TcpFlags.Ack, _sender.SndUna - 1, 0, 0);

    /// <summary>
    /// The RST that ends a synchronized connection (abort, timeout, data after close): RFC 9293 §3.10.4 gives
    /// &lt;SEQ=SND.NXT&gt;&lt;CTL=RST&gt;. It also carries the ACK, as Linux's (an RST is accepted by its sequence number
    /// alone, RFC 9293 §3.10.7.4, so the ACK costs nothing and tells the peer what arrived), and the timestamp option,
    /// which RFC 7323 §3.2 says SHOULD be sent in an RST once negotiated: a peer with PAWS checks it.
    /// </summary>
    private void SendAbortReset()
    {
        TcpSegment h = NewHeader(TcpFlags.Rst | TcpFlags.Ack, _sender.SndMax);
        h.Window = 0;
        if (_timestamps)
        {
            h.HasTimestamp = true;
            h.TsVal = TsNow;
            h.TsEcr = _receiver.TsRecent;
        }
        TcpStatistics.Increment(ref Stats.OutRsts);
        Emit(ref h, 0, 0);
    }

    /// <summary>The RST that answers an unacceptable segment's ACK: &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; (RFC 9293 §3.10.7).</summary>
    private void SendReset(SeqNumber seq)
    {
        TcpSegment h = NewHeader(TcpFlags.Rst, seq);
        h.Window = 0;
        TcpStatistics.Increment(ref Stats.OutRsts);
        Emit(ref h, 0, 0);
    }

    private TcpSegment NewHeader(TcpFlags flags, SeqNumber seq)
    {
        TcpSegment h = default;
        h.WindowScale = -1;
        h.SourcePort = _id.LocalPort;
        h.DestinationPort = _id.RemotePort;
        h.Seq = seq;
        h.Flags = flags;
        if ((flags & TcpFlags.Ack) != 0)
        {
            h.Ack = _receiver.RcvNxt;
        }
        return h;
    }

    /// <summary>A synchronized-state segment: ACK, timestamps, SACK blocks, the scaled window and the ECN marks.</summary>
    private void SendSegment(TcpFlags flags, SeqNumber seq, long bufferOffset, int length)
    {
        EcnCodepoint ecn = EcnMarkSegment(ref flags, seq, length);
        TcpSegment h = NewHeader(flags, seq);
        if (_timestamps)
        {
            h.HasTimestamp = true;
            h.TsVal = TsNow;
            h.TsEcr = _receiver.TsRecent;
        }
        // RFC 6691 / RFC 9293 §3.7.1: data plus options must fit the MSS, so a data segment carries
        // only the SACK blocks (4 + 8n bytes) that fit beside its payload; over-size ones die as DF.
        int max = length > 0 ? Math.Min(_timestamps ? 3 : 4, (_sender.Mss - Math.Min(length, _sender.Mss) - 4) / 8) : _timestamps ? 3 : 4;
        if (_sack && _receiver.HasSackBlocks && max > 0)
        {
            h.SackCount = _receiver.WriteSackBlocks(h.Sack[..max]);
        }
        h.Window = _receiver.AdvertiseWindow();
        RackOnSent(seq, length);
        NoteDataSent(length);
        Emit(ref h, bufferOffset, length, ecn);
    }

    /// <summary>Builds the packet: payload copied from the send source, header prepended, checksum or offload set; <paramref name="ecn"/> goes in its IP header.</summary>
    private void Emit(ref TcpSegment h, long bufferOffset, int length, EcnCodepoint ecn = EcnCodepoint.NotEct)
    {
        PacketBuffer packet = _host.Pool.Rent(length, PacketPool.DefaultHeadroom);
        if (length > 0 && !_sender.Source.TryCopyTo(bufferOffset, packet.Append(length)))
        {
            // The source lost the bytes (its host socket failed): nothing sensible can go out; Leave resets.
            packet.Release();
            _sender.SourceFailed = true;
            return;
        }
        int headerLength = h.ComputeHeaderLength();
        h.Write(packet.Prepend(headerLength));
        int mss = CurrentMss;
        TcpProtocol.FinishChecksum(packet, _id.LocalAddress, _id.RemoteAddress, _route, length > mss ? mss : 0);
        if ((h.Flags & TcpFlags.Ack) != 0)
        {
            _receiver.OnAckSent();
            _deadlines[(int)TimerKind.DelayedAck] = Never;
        }
        TcpStatistics.Increment(ref Stats.OutSegs);
        // In order, nothing to SACK, at SND.MAX (not a probe): a later ACK says all this one says.
        packet.IsReplaceableAck = h.Flags == TcpFlags.Ack && length == 0 && h.SackCount == 0 && h.Seq == _sender.SndMax && !_receiver.HasSackBlocks;
        _host.Send(packet, _id.LocalAddress, _id.RemoteAddress, _route, TransmitContext.Queued(_transmitQueue), ecn, _options.TypeOfService, _options.DontFragment);
    }

    /// <summary>After the application reads: announce a window that grew by a meaningful amount.</summary>
    private void MaybeSendWindowUpdate()
    {
        if (_state is not (TcpConnectionState.Established or TcpConnectionState.FinWait1 or TcpConnectionState.FinWait2))
        {
            return;
        }
        if (_receiver.WindowUpdateDue()) // only a meaningful opening gets an ACK of its own (Linux tcp_cleanup_rbuf)
        {
            SendAck();
        }
    }

    private uint TsNow => TsAt(_host.Now);

    /// <summary>Our timestamp clock (RFC 7323 §5.4: milliseconds, offset per connection) at <paramref name="time"/>.</summary>
    private uint TsAt(TimeSpan time) => (uint)(long)time.TotalMilliseconds + _tsOffset;
}
