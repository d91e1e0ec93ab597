namespace Netstack.Transport.Tcp;

/// <summary>
/// RACK time-based loss detection (RFC 8985 §6) for SACK connections: every sent range is logged with its
/// transmit time; each ACK updates RACK.xmit_ts/end_seq from the most recently sent delivered range and
/// marks un-SACKed ranges sent more than RACK.rtt + reo_wnd before it as lost, entering SACK recovery;
/// ranges not yet past the window arm the reordering timer (§6.3). A retransmission has a record of its
/// own, so one lost again is found by its own send time and resent in recovery (§6.2). Without SACK the
/// DupThresh rule in <see cref="DuplicateAck"/> remains the only fast-retransmit trigger.
/// </summary>
public sealed partial class TcpEndpoint
{
    private readonly RackSentLog _sentLog = new(); // starts small (8 records) and doubles with the flight
    private ReorderingEstimator _reordering;

    /// <summary>
    /// §6.1: remembers the transmit time of a data range just sent (new data or retransmission). Without SACK the log
    /// serves only the congestion control's per-ACK RTT (<see cref="AckedSendTimes"/>).
    /// </summary>
    private void RackOnSent(SeqNumber seq, int length)
    {
        if (length > 0)
        {
            bool retransmitted = seq < _sender.SndMax;
            if (retransmitted)
            {
                _sentLog.MarkResent(seq, seq + (uint)length);
            }
            _sentLog.Add(seq, seq + (uint)length, _host.Now, retransmitted);
        }
    }

    /// <summary>
    /// RFC 8985 §6.2 steps 2-5 on an acceptable ACK (after SND.UNA and the scoreboard were updated); <paramref name="priorFack"/>
    /// is the highest SACKed sequence before it (SND.UNA then when nothing was SACKed), for the reordering estimate.
    /// </summary>
    private void RackOnAck(bool carriesSack, SeqNumber priorFack)
    {
        if (!_sack)
        {
            while (_sentLog.Count > 0 && _sentLog[0].End <= _sender.SndUna)
            {
                _sentLog.RemoveOldest();
            }
            return;
        }
        if (carriesSack && _scoreboard.LastAckWasDsack)
        {
            _rack.OnDsack(_sender.SndUna, _sender.SndMax); // §6.2 step 4: a D-SACK widens the reordering window
        }
        TimeSpan now = _host.Now;
        SeqNumber ackedReordered = _sender.SndMax; // lowest first transmission delivered out of order, per path (Linux "reord")
        SeqNumber sackedReordered = _sender.SndMax;
        // Step 2 for cumulatively acknowledged ranges at the front of the log (the common case).
        while (_sentLog.Count > 0 && _sentLog[0].End <= _sender.SndUna)
        {
            ref RackSentLog.Record r = ref _sentLog[0];
            if (!r.Delivered && !r.Lost)
            {
                _rack.OnSegmentDelivered(r.XmitTime, r.End, r.Retransmitted, now - r.XmitTime);
            }
            if (!r.Delivered && !r.Retransmitted && !r.Resent && r.Start < ackedReordered)
            {
                ackedReordered = r.Start;
            }
            _sentLog.RemoveOldest();
        }
        if (_scoreboard.Count == 0 || _sentLog.Count == 0)
        {
            _deadlines[(int)TimerKind.RackReorder] = Never;
            NoteReordering(ackedReordered, sackedReordered, priorFack);
            return;
        }
        // Step 2 for ranges acknowledged out of send order or (partly) SACKed, in send order.
        for (int i = 0; i < _sentLog.Count; i++)
        {
            ref RackSentLog.Record r = ref _sentLog[i];
            if (r.Delivered)
            {
                continue;
            }
            if (r.End > _sender.SndUna && SackBoundaryInside(r.Start, r.End) is SeqNumber boundary)
            {
                _sentLog.Split(i, boundary); // part SACKed, part not: judge each part on its own (§6.1)
            }
            r = ref _sentLog[i];
            if (r.End <= _sender.SndUna || _scoreboard.AnySacked(r.Start, r.End))
            {
                if (!r.Retransmitted && !r.Resent)
                {
                    if (r.End <= _sender.SndUna)
                    {
                        ackedReordered = r.Start < ackedReordered ? r.Start : ackedReordered;
                    }
                    else if (r.Start < priorFack && r.Start < sackedReordered)
                    {
                        sackedReordered = r.Start;
                    }
                }
                r.Delivered = true;
                if (!r.Lost)
                {
                    _rack.OnSegmentDelivered(r.XmitTime, r.End, r.Retransmitted, now - r.XmitTime);
                }
            }
        }
        NoteReordering(ackedReordered, sackedReordered, priorFack);
        RackDetectLoss(now);
    }

    /// <summary>
    /// The send times of the oldest and the most recently sent range that SND.UNA's advance from <paramref name="priorUna"/>
    /// acknowledged first (not SACKed before), or null when there is none or the advance covered a retransmitted range
    /// (Karn's rule; Linux FLAG_RETRANS_DATA_ACKED). Linux times the RTT estimator's sample from the oldest
    /// (<c>seq_rtt_us</c>) and the congestion control's and the minimum filter's from the newest (<c>ca_rtt_us</c>), in
    /// tcp_clean_rtx_queue. Call before <see cref="RackOnAck"/> drops the acknowledged records. First transmissions are
    /// logged in sequence order and a retransmission marks the ones it repeats, so the walk stops at the first range above
    /// SND.UNA.
    /// </summary>
    private (TimeSpan Oldest, TimeSpan Newest)? AckedSendTimes(SeqNumber priorUna)
    {
        TimeSpan? oldest = null;
        TimeSpan? newest = null;
        for (int i = 0; i < _sentLog.Count; i++)
        {
            ref RackSentLog.Record r = ref _sentLog[i];
            if (r.Start >= _sender.SndUna)
            {
                break;
            }
            if (r.End <= priorUna)
            {
                continue;
            }
            if (r.Retransmitted || r.Resent)
            {
                return null;
            }
            if (!r.Delivered)
            {
                if (oldest is not TimeSpan o || r.XmitTime < o)
                {
                    oldest = r.XmitTime;
                }
                if (newest is not TimeSpan n || r.XmitTime >= n)
                {
                    newest = r.XmitTime;
                }
            }
        }
        return oldest is TimeSpan first && newest is TimeSpan last ? (first, last) : null;
    }

    /// <summary>The highest SACKed sequence, or SND.UNA when nothing above it is SACKed (Linux <c>tcp_highest_sack_seq</c>).</summary>
    private SeqNumber ForwardAcked => _scoreboard.Count > 0 ? _scoreboard.HighestSacked : _sender.SndUna;

    /// <summary>
    /// Feeds the reordering estimate (Linux <c>tcp_check_sack_reordering</c>, from the SACK pass and then from the
    /// cumulative one): first transmissions that were delivered below the highest SACKed sequence arrived out of order.
    /// </summary>
    private void NoteReordering(SeqNumber ackedReordered, SeqNumber sackedReordered, SeqNumber priorFack)
    {
        uint mss = (uint)Math.Max(_sender.Mss, 1);
        if (sackedReordered < _sender.SndMax)
        {
            _reordering.OnReordered(sackedReordered, ForwardAcked, mss);
        }
        if (ackedReordered < priorFack)
        {
            _reordering.OnReordered(ackedReordered, ForwardAcked, mss);
        }
    }

    /// <summary>
    /// The first sequence inside (<paramref name="start"/>, <paramref name="end"/>) where being SACKed or cumulatively
    /// acknowledged changes, or null when the range is all one or the other.
    /// </summary>
    private SeqNumber? SackBoundaryInside(SeqNumber start, SeqNumber end)
    {
        SeqNumber? first = null;
        void Consider(SeqNumber s)
        {
            if (s > start && s < end && (first is not SeqNumber f || s < f))
            {
                first = s;
            }
        }
        Consider(_sender.SndUna);
        for (int i = 0; i < _scoreboard.Count; i++)
        {
            (SeqNumber s, SeqNumber e) = _scoreboard[i];
            Consider(s);
            Consider(e);
        }
        return first;
    }

    /// <summary>
    /// RFC 8985 §6.2 steps 4-5 (RACK_update_reo_wnd, RACK_detect_loss): marks lost every un-SACKed range
    /// sent before RACK.xmit_ts whose deadline xmit_ts + RACK.rtt + reo_wnd has passed, starts recovery
    /// for them, and arms the reordering timer for the latest range still inside the window (§6.3).
    /// </summary>
    private void RackDetectLoss(TimeSpan now)
    {
        if (!_rack.HasDelivered || !_rtt.HasSample)
        {
            return;
        }
        uint mss = (uint)Math.Max(_sender.Mss, 1);
        _rack.ReorderWindow(_rtt.SmoothedRtt, MinRtt, _inRecovery,
            (int)(_scoreboard.SackedBytes / mss));
        bool lost = false;
        TimeSpan timeout = TimeSpan.Zero;
        for (int i = 0; i < _sentLog.Count; i++)
        {
            ref RackSentLog.Record r = ref _sentLog[i];
            if (r.Lost || r.End <= _sender.SndUna || _scoreboard.AllSacked(r.Start, r.End))
            {
                continue;
            }
            if (_rack.IsLost(r.XmitTime, r.End, now, out TimeSpan remaining))
            {
                r.Lost = true;
                lost = true;
                _newLossOnThisAck = true;
                _scoreboard.MarkLostBelow(r.End);
                TcpStatistics.Increment(ref Stats.TCPRackLoss);
                if (r.Retransmitted && _inRecovery)
                {
                    // §6.2: judged by the retransmission's own send time; resend it now, not at the RTO.
                    TcpStatistics.Increment(ref Stats.TCPLostRetransmit);
                    _recovery.OnRetransmissionLost(r.Start);
                }
            }
            else if (remaining > timeout)
            {
                timeout = remaining; // §6.2 step 5: RACK.reo_timeout = max(remaining)
            }
        }
        _deadlines[(int)TimerKind.RackReorder] = timeout > TimeSpan.Zero ? now + timeout : Never;
        if (lost && !_inRecovery && _sender.SndUna >= _recover && _state is TcpConnectionState.Established or TcpConnectionState.CloseWait
            or TcpConnectionState.FinWait1 or TcpConnectionState.Closing or TcpConnectionState.LastAck)
        {
            EnterRecovery();
        }
    }

    /// <summary>RFC 8985 §6.3: the reordering timer expired; re-run detection with the current time.</summary>
    private void RackReorderTimerExpired()
    {
        if (_sack && _sentLog.Count > 0 && _sender.SndUna != _sender.SndMax)
        {
            RackDetectLoss(_host.Now);
            if (_inRecovery)
            {
                _recovery.OnAck(0, 0, duplicate: false, starting: false); // no ACK: PRR with nothing delivered
            }
        }
    }

    /// <summary>§6.3 after an RTO everything outstanding is resent from SND.UNA: forget the old transmit times.</summary>
    private void RackOnRetransmitTimeout()
    {
        _sentLog.Clear();
        _deadlines[(int)TimerKind.RackReorder] = Never;
    }
}
