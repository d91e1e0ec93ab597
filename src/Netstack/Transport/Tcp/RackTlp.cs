namespace Netstack.Transport.Tcp;

/// <summary>
/// Per-connection state of RACK-TLP (RFC 8985), a helper the endpoint drives. RACK (§6) declares a
/// segment lost when a segment sent after it was delivered and more than RACK.rtt + reo_wnd has passed
/// since it was sent; the endpoint calls <see cref="OnSegmentDelivered"/> for every newly cumulatively
/// or selectively acknowledged segment (§6.2 steps 2 and 3), <see cref="ReorderWindow(TimeSpan, TimeSpan, bool, int)"/>
/// once per ACK (step 4), then <see cref="IsLost"/> for each unacknowledged segment (step 5), arming the
/// reordering timer with the largest <c>remaining</c>. The reordering window is
/// min(reo_wnd_mult · min_RTT / 4, SRTT), zero while no reordering has been seen and the connection is
/// in recovery or has DupThresh segments SACKed, and grows by one quarter min_RTT per D-SACK round (§6.2
/// step 4; it decays after 16 recoveries). TLP (§7) sends a probe after the probe timeout PTO = 2·SRTT
/// (+ the worst-case delayed-ACK time when one segment is in flight), no later than the RTO, and
/// <see cref="OnAckForProbe"/> tells whether the probe repaired a loss (§7.4). min_RTT lives in a
/// <see cref="WindowedMinFilter"/> shared with the endpoint (one per connection). All times are
/// <see cref="TimeSpan"/> values from the stack clock; nothing allocates.
/// </summary>
internal sealed class RackTlp
{
    /// <summary>RFC 8985 §6.2: reo_wnd_persist is reset to 16 recoveries after a D-SACK.</summary>
    public const int ReorderWindowPersistRounds = 16;

    private const int MaxReorderWindowMultiplier = 255;

    private readonly WindowedMinFilter _minRtt;
    private SeqNumber _dsackRound;
    private bool _dsackRoundActive;

    /// <summary>Creates the state with its own min-RTT filter (5 minutes, Linux <c>tcp_min_rtt_wlen</c>).</summary>
    public RackTlp()
        : this(new WindowedMinFilter(TimeSpan.FromMinutes(5)))
    {
    }

    /// <summary>Creates the state sharing the connection's min-RTT filter: RACK feeds it the RTTs of delivered original transmissions.</summary>
    public RackTlp(WindowedMinFilter minRtt) => _minRtt = minRtt;

    /// <summary>The windowed minimum RTT this instance reads and feeds.</summary>
    public WindowedMinFilter MinRttFilter => _minRtt;

    /// <summary>WCDelAckT, the worst-case delayed-ACK time assumed for a single outstanding segment (RFC 8985 §7.2; 200 ms).</summary>
    public TimeSpan MaxAckDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>True once a segment has been delivered (RACK.xmit_ts and RACK.end_seq are meaningful).</summary>
    public bool HasDelivered { get; private set; }

    /// <summary>RACK.xmit_ts: the send time of the most recently sent segment that has been delivered.</summary>
    public TimeSpan XmitTime { get; private set; }

    /// <summary>RACK.end_seq: the end of that segment.</summary>
    public SeqNumber EndSeq { get; private set; }

    /// <summary>RACK.rtt: the RTT of that segment.</summary>
    public TimeSpan Rtt { get; private set; }

    /// <summary>RACK.fack: the highest end sequence delivered so far.</summary>
    public SeqNumber Fack { get; private set; }

    /// <summary>RACK.reordering_seen.</summary>
    public bool ReorderingSeen { get; private set; }

    /// <summary>RACK.reo_wnd_mult (starts at 1).</summary>
    public int ReorderWindowMultiplier { get; private set; } = 1;

    /// <summary>RACK.reo_wnd_persist.</summary>
    public int ReorderWindowPersist { get; private set; }

    /// <summary>RACK.reo_wnd as computed by the last <c>ReorderWindow</c> call; <see cref="IsLost"/> uses it.</summary>
    public TimeSpan CurrentReorderWindow { get; private set; }

    /// <summary>True while a TLP episode is open (TLP.end_seq is set): no second probe may be sent.</summary>
    public bool ProbeOutstanding { get; private set; }

    /// <summary>TLP.end_seq: the end of the last probe.</summary>
    public SeqNumber ProbeEndSeq { get; private set; }

    /// <summary>TLP.is_retrans: whether the probe retransmitted old data (rather than sending new data).</summary>
    public bool ProbeWasRetransmission { get; private set; }

    /// <summary>
    /// §6.2 steps 2 and 3 for one newly delivered segment (call in ascending send-time order).
    /// <paramref name="rtt"/> is now − xmit time. For a retransmitted segment the caller must already have
    /// discarded the sample if the ACK's TSecr predates <paramref name="xmitTime"/>; a sample shorter than
    /// the minimum RTT is ambiguous and ignored here.
    /// </summary>
    public void OnSegmentDelivered(TimeSpan xmitTime, SeqNumber endSeq, bool retransmitted, TimeSpan rtt)
    {
        // Step 3: reordering is an original transmission delivered below the highest delivered sequence.
        if (!HasDelivered || endSeq > Fack)
        {
            Fack = endSeq;
        }
        else if (endSeq < Fack && !retransmitted)
        {
            ReorderingSeen = true;
        }

        // Step 2.
        if (retransmitted && _minRtt.HasValue && rtt < _minRtt.Value)
        {
            return;
        }
        if (!retransmitted)
        {
            _minRtt.Update(xmitTime + rtt, rtt);
        }
        Rtt = rtt;
        if (!HasDelivered || SentAfter(xmitTime, endSeq, XmitTime, EndSeq))
        {
            XmitTime = xmitTime;
            EndSeq = endSeq;
            HasDelivered = true;
        }
    }

    /// <summary>
    /// §6.2 step 5 for one unacknowledged segment: lost when a later-sent segment was delivered and
    /// xmit + RACK.rtt + reo_wnd ≤ now; otherwise <paramref name="remaining"/> is the time left (zero when
    /// RACK cannot judge the segment yet).
    /// </summary>
    public bool IsLost(TimeSpan xmitTime, SeqNumber endSeq, TimeSpan now, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (!HasDelivered || !SentAfter(XmitTime, EndSeq, xmitTime, endSeq))
        {
            return false;
        }
        TimeSpan left = xmitTime + Rtt + CurrentReorderWindow - now;
        if (left <= TimeSpan.Zero)
        {
            return true;
        }
        remaining = left;
        return false;
    }

    /// <summary>The reordering window min(reo_wnd_mult · minRtt / 4, SRTT), without the zero-window cases; also becomes <see cref="CurrentReorderWindow"/>.</summary>
    public TimeSpan ReorderWindow(TimeSpan srtt, TimeSpan minRtt)
    {
        TimeSpan window = TimeSpan.FromTicks(Math.Min(ReorderWindowMultiplier * (minRtt.Ticks / 4), srtt.Ticks));
        CurrentReorderWindow = window < TimeSpan.Zero ? TimeSpan.Zero : window;
        return CurrentReorderWindow;
    }

    /// <summary>
    /// RFC 8985 §6.2 step 4 RACK_update_reo_wnd: zero when no reordering was seen and the sender is in
    /// recovery or already has <see cref="SackScoreboard.DupThresh"/> segments SACKed (so RACK behaves like
    /// DupThresh there), otherwise <see cref="ReorderWindow(TimeSpan, TimeSpan)"/>.
    /// </summary>
    public TimeSpan ReorderWindow(TimeSpan srtt, TimeSpan minRtt, bool inRecovery, int sackedSegments)
    {
        if (!ReorderingSeen && (inRecovery || sackedSegments >= SackScoreboard.DupThresh))
        {
            CurrentReorderWindow = TimeSpan.Zero;
            return TimeSpan.Zero;
        }
        return ReorderWindow(srtt, minRtt);
    }

    /// <summary>A D-SACK arrived: widen the reordering window by one step and keep it for 16 recoveries (§6.2 step 4). Use the overload with sequence numbers to count one step per round trip.</summary>
    public void OnDsack()
    {
        ReorderWindowMultiplier = Math.Min(ReorderWindowMultiplier + 1, MaxReorderWindowMultiplier);
        ReorderWindowPersist = ReorderWindowPersistRounds;
    }

    /// <summary>A D-SACK arrived: at most one widening per round (RACK.dsack_round = SND.NXT until SND.UNA passes it).</summary>
    public void OnDsack(SeqNumber sndUna, SeqNumber sndNxt)
    {
        if (_dsackRoundActive && sndUna >= _dsackRound)
        {
            _dsackRoundActive = false;
        }
        if (_dsackRoundActive)
        {
            return;
        }
        _dsackRound = sndNxt;
        _dsackRoundActive = true;
        OnDsack();
    }

    /// <summary>Fast or RTO recovery ended: count down reo_wnd_persist and reset the multiplier when it runs out.</summary>
    public void OnRecoveryExit()
    {
        if (ReorderWindowPersist > 0 && --ReorderWindowPersist == 0)
        {
            ReorderWindowMultiplier = 1;
        }
    }

    /// <summary>
    /// RFC 8985 §7.2: PTO = 2·SRTT, plus <see cref="MaxAckDelay"/> when only one segment is in flight (its
    /// ACK may be delayed), 1 s without an RTT sample, and never later than <paramref name="rto"/>.
    /// </summary>
    public TimeSpan ProbeTimeout(TimeSpan srtt, bool singleSegmentInFlight, TimeSpan rto)
    {
        TimeSpan pto;
        if (srtt > TimeSpan.Zero)
        {
            pto = 2 * srtt;
            if (singleSegmentInFlight)
            {
                pto += MaxAckDelay;
            }
        }
        else
        {
            pto = TimeSpan.FromSeconds(1);
        }
        return rto > TimeSpan.Zero && rto < pto ? rto : pto;
    }

    /// <summary>§7.3: a probe was sent (new data when <paramref name="retransmission"/> is false); opens the TLP episode.</summary>
    public void OnProbeSent(SeqNumber endSeq, bool retransmission)
    {
        ProbeOutstanding = true;
        ProbeEndSeq = endSeq;
        ProbeWasRetransmission = retransmission;
    }

    /// <summary>
    /// §7.4 TLP_process_ack: decides, for an ACK at or past the probe, whether the probe only confirmed
    /// delivery, was redundant (a D-SACK for it), or repaired a lost segment, in which case the endpoint
    /// must reduce the congestion window as for fast recovery.
    /// </summary>
    public TlpOutcome OnAckForProbe(SeqNumber ack, bool dsackForProbe, bool isDuplicateAck)
    {
        if (!ProbeOutstanding || ack < ProbeEndSeq)
        {
            return TlpOutcome.None;
        }
        if (!ProbeWasRetransmission)
        {
            ProbeOutstanding = false;
            return TlpOutcome.Delivered;
        }
        if (dsackForProbe)
        {
            ProbeOutstanding = false;
            return TlpOutcome.Redundant;
        }
        if (ack > ProbeEndSeq || !isDuplicateAck)
        {
            ProbeOutstanding = false;
            return TlpOutcome.LossRepaired;
        }
        return TlpOutcome.None; // a duplicate ACK at the probe's end: wait for its D-SACK
    }

    /// <summary>Ends any TLP episode (on RTO or when the connection restarts).</summary>
    public void CancelProbe() => ProbeOutstanding = false;

    /// <summary>RFC 8985 §6.2 RACK_sent_after(t1, seq1, t2, seq2).</summary>
    public static bool SentAfter(TimeSpan t1, SeqNumber seq1, TimeSpan t2, SeqNumber seq2) =>
        t1 > t2 || (t1 == t2 && seq1 > seq2);
}
