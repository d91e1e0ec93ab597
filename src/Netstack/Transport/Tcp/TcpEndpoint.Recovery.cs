using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// RTT measurement and the loss-recovery state machine (RFC 6298, 5681, 6675, 6582): when an episode
/// starts and ends; what to send during one is the composed <see cref="ILossRecovery"/>'s business.
/// </summary>
public sealed partial class TcpEndpoint : IRecoveryTransmitter
{
    private ICongestionControl _congestion = null!;
    private RttEstimator _rtt = null!;
    private bool _rttTiming;
    private SeqNumber _rttSeq;
    private TimeSpan _rttStart;
    private int _dupAcks;
    private uint _sackedBeforeAck; // SACKed bytes before the ACK being processed
    private bool _inRecovery;
    private SeqNumber _recover;
    private readonly WindowedMinFilter _minRtt = new(TimeSpan.FromMinutes(5)); // Linux tcp_min_rtt_wlen; shared with RACK and CUBIC
    private readonly SackScoreboard _scoreboard = new();
    private readonly RackTlp _rack;
    private ILossRecovery _recovery = null!;
    private static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(10);

    private long CongestionWindow => _congestion.CongestionWindow;

    private TimeSpan CurrentRto() => _rtt.Rto;

    private void BackOff() => _rtt.Backoff();

    private uint BytesInFlight => _sender.BytesInFlight;

    private TimeSpan MinRtt => _minRtt.Value;

    /// <summary>The recovery algorithm for the negotiated options: RFC 6675 + PRR with SACK, RFC 6582 without.</summary>
    private void ChooseLossRecovery() =>
        _recovery = _sack ? new SackLossRecovery(this, _scoreboard) : new NewRenoLossRecovery(this);

    private void TakeRttSampleFromSyn(in TcpSegment seg)
    {
        if (_retransmits == 0)
        {
            TimeSpan now = _host.Now;
            AddRttSample(now - _synSentAt, now);
        }
        _ = seg;
    }

    private TimeSpan _synSentAt;

    /// <summary>
    /// RTT from the echoed timestamp (RFC 7323 §4.1); without timestamps, on a SACK connection, from the send log: the
    /// oldest range the ACK newly acknowledged times the estimator and the newest the minimum filter, on every ACK (Linux
    /// tcp_clean_rtx_queue, whose samples Karn's rule drops when the ACK covers a retransmission,
    /// <paramref name="ackedSendTimes"/> null); otherwise from one timed segment at a time (Karn's rule). Returns the
    /// timestamp's sample, or a negative value when the ACK gave none.
    /// </summary>
    private TimeSpan TakeRttSample(in TcpSegment seg, (TimeSpan Oldest, TimeSpan Newest)? ackedSendTimes)
    {
        TimeSpan echoed = TimeSpan.MinValue;
        if (_timestamps && seg.HasTimestamp && seg.TsEcr != 0)
        {
            TimeSpan now = _host.Now;
            uint ms = TsAt(now) - seg.TsEcr;
            if (ms < 600_000)
            {
                echoed = TimeSpan.FromMilliseconds(ms);
                AddRttSample(echoed, now);
            }
        }
        else if (TimesRttFromSentLog)
        {
            if (ackedSendTimes is (TimeSpan oldest, TimeSpan newest))
            {
                TimeSpan now = _host.Now;
                _minRtt.Update(now, now - newest);
                _rtt.AddSample(now - oldest);
            }
        }
        else if (_rttTiming && seg.Ack > _rttSeq)
        {
            _rttTiming = false;
            TimeSpan now = _host.Now;
            AddRttSample(now - _rttStart, now);
        }
        _rtt.ResetBackoff();
        return echoed;
    }

    /// <summary>Whether each ACK's RTT sample comes from the send log (SACK without timestamps) rather than one timed segment.</summary>
    private bool TimesRttFromSentLog => _sack && !_timestamps;

    /// <summary>
    /// Gives the congestion control the RTT of the newest segment the ACK acknowledged first (Linux <c>ca_rtt_us</c>: per
    /// ACK, from the send times, in µs; <paramref name="ackedSendTimes"/>), or the timestamp's <paramref name="echoedRtt"/>
    /// when that was a retransmission.
    /// </summary>
    private void CongestionRttSample((TimeSpan Oldest, TimeSpan Newest)? ackedSendTimes, TimeSpan echoedRtt)
    {
        TimeSpan now = _host.Now;
        TimeSpan rtt = ackedSendTimes is (_, TimeSpan sent) ? now - sent : echoedRtt;
        if (rtt >= TimeSpan.Zero)
        {
            _congestion.OnRttSample(new AckRttSample(rtt, _sender.SndUna, _sender.SndMax, _rtt.SmoothedRtt, BytesInFlight), now);
            CountHyStartExit();
        }
    }

    private void AddRttSample(TimeSpan sample, TimeSpan now)
    {
        _minRtt.Update(now, sample);
        _rtt.AddSample(sample);
    }

    /// <summary>Feeds the SACK blocks of an acceptable ACK to the scoreboard (RFC 6675 §5 "Update()").</summary>
    private void UpdateScoreboard(in TcpSegment seg)
    {
        if (!_sack || (seg.SackCount == 0 && _scoreboard.Count == 0))
        {
            return;
        }
        Span<(uint Left, uint Right)> blocks = stackalloc (uint, uint)[4];
        int n = Math.Min(seg.SackCount, 4);
        for (int i = 0; i < n; i++)
        {
            blocks[i] = (seg.Sack[i].Left.Value, seg.Sack[i].Right.Value);
        }
        SeqNumber una = seg.Ack > _sender.SndUna && seg.Ack <= _sender.SndMax ? seg.Ack : _sender.SndUna;
        _scoreboard.OnAck(una, _sender.SndMax, blocks[..n]);
    }

    /// <summary>RFC 5681 §3.2 / RFC 6675 §5: a duplicate ACK; DupThresh of them (or SACK's IsLost) starts recovery, fewer allow limited transmit.</summary>
    private void DuplicateAck()
    {
        _dupAcks++;
        if (_inRecovery)
        {
            return;
        }
        bool lost = _dupAcks >= SackScoreboard.DupThresh || (_sack && _scoreboard.IsLost(_sender.SndUna, (uint)_sender.Mss));
        if (lost && _sender.SndUna >= _recover)
        {
            EnterRecovery();
        }
        else if (_dupAcks < SackScoreboard.DupThresh && _sender.SndNxt == _sender.SndMax)
        {
            // RFC 3042 limited transmit: one new segment per each of the first two duplicate ACKs, the flight
            // staying within cwnd + 2·SMSS.
            SendData(maxSegments: 1, CongestionWindow + _dupAcks * (long)CurrentMss, CurrentMss);
        }
    }

    /// <summary>Starts a fast-recovery episode (one per window of data: RFC 6582 §3.2 step 1 via <c>_recover</c>).</summary>
    private void EnterRecovery()
    {
        _inRecovery = true;
        _newLossOnThisAck = true;
        _deadlines[(int)TimerKind.LossProbe] = Never;
        _recover = _sender.SndMax;
        uint flight = BytesInFlight;
        ArmUndo();
        _congestion.OnEnterRecovery(flight, _host.Now);
        EcnOnWindowReduced();
        TcpStatistics.Increment(ref Stats.TCPFastRetrans);
        if (_sack)
        {
            TcpStatistics.Increment(ref Stats.TCPSackRecovery);
        }
        _recovery.Enter(flight);
    }

    /// <summary>The recovery point was cumulatively acknowledged (RFC 6582 §3.2 step 3), or the episode was undone.</summary>
    private void ExitRecovery()
    {
        _inRecovery = false;
        _dupAcks = 0;
        _recovery.Reset();
        _rack.OnRecoveryExit();
        _congestion.OnExitRecovery(_host.Now);
    }

    /// <summary>An ACK advanced SND.UNA by <paramref name="acked"/>: end the episode on a full ACK, else grow cwnd outside one.</summary>
    private void OnAckedForRecovery(in TcpSegment seg, uint acked)
    {
        if (_inRecovery)
        {
            if (seg.Ack >= _recover)
            {
                ExitRecovery();
                CheckUndoAfterRecovery();
            }
            return;
        }
        uint delivered = NewlyDelivered(acked);
        _dupAcks = 0;
        _congestion.OnAck(delivered, IsCwndLimited, _host.Now, MinRtt);
    }

    /// <summary>
    /// The bytes an ACK that advanced SND.UNA by <paramref name="acked"/> delivered for the first time, which is what
    /// grows cwnd: bytes SACKed before were delivered then (RFC 6937 DeliveredData), and without SACK each duplicate ACK
    /// stood for a segment that arrived (RFC 5681 §3.2), so an ACK that fills a hole after reordering counts the hole,
    /// not the whole run behind it again (Linux counts <c>tp->delivered</c> the same way, tcp_remove_reno_sacks without
    /// SACK). At least one segment's worth when SND.UNA advanced.
    /// </summary>
    private uint NewlyDelivered(uint acked)
    {
        long earlier = _sack ? (long)_sackedBeforeAck - _scoreboard.SackedBytes : (long)_dupAcks * _sender.Mss;
        return (uint)Math.Max(acked - Math.Max(earlier, 0), Math.Min(acked, (long)Math.Max(_sender.Mss, 1)));
    }

    private void OnRetransmitTimeoutForRecovery()
    {
        ArmUndoForTimeout();
        _congestion.OnRetransmitTimeout(BytesInFlight, _host.Now);
        EcnOnWindowReduced();
        _scoreboard.Clear(); // RFC 2018 §8: the receiver may have reneged; resend from SND.UNA
        _rack.CancelProbe();
        RackOnRetransmitTimeout();
        _deadlines[(int)TimerKind.LossProbe] = Never;
        if (_inRecovery)
        {
            _recovery.Reset();
        }
        _inRecovery = false;
        _dupAcks = 0;
        _recover = _sender.SndMax;
        _inTimeoutRecovery = true;
    }

    /// <summary>
    /// Resends [seq, seq + length) clipped to <paramref name="maxBytes"/> (one current MSS when 0), SND.MAX, the buffered
    /// data and record ends; returns the bytes sent.
    /// </summary>
    private int RetransmitRange(SeqNumber seq, int length, int maxBytes = 0)
    {
        length = _sender.RetransmittableLength(seq, length, maxBytes > 0 ? maxBytes : CurrentMss);
        if (length <= 0)
        {
            return 0;
        }
        CountRetransmission(seq, length);
        SendSegment(TcpFlags.Ack | RetransmissionPush(seq, length), seq, seq - _sender.SndUna, length);
        if (!IsArmed(TimerKind.Retransmit))
        {
            SetDeadline(TimerKind.Retransmit, CurrentRto());
        }
        return length;
    }

    /// <summary>
    /// A resent segment keeps the PSH of a write end it carries (Linux resends the buffer the write marked); a resent
    /// super-segment carries PSH as every GSO packet Linux sends (__tcp_transmit_skb).
    /// </summary>
    private TcpFlags RetransmissionPush(SeqNumber seq, int length) =>
        length > 0 && (length > CurrentMss || _sender.Marks.Pushes(seq, length)) ? TcpFlags.Psh : 0;

    /// <summary>
    /// The lost data at <paramref name="seq"/> in the unit it was first sent in: up to the end of its send-log record
    /// (which ACKs, SACKs and earlier retransmissions split, as Linux fragments the skb), at most <paramref name="length"/>
    /// and <paramref name="maxBytes"/> bytes and the super-segment TSO autosizing allows now.
    /// </summary>
    private int RetransmitLostUnit(SeqNumber seq, int length, int maxBytes)
    {
        long unit = Math.Min(Math.Min(length, maxBytes), MaxSegmentPayload());
        if (unit > CurrentMss && SentUnitEnd(seq) is SeqNumber end)
        {
            unit = Math.Min(unit, end - seq);
        }
        else
        {
            unit = Math.Min(unit, CurrentMss);
        }
        return RetransmitRange(seq, length, (int)Math.Max(unit, 1));
    }

    /// <summary>The end of the first transmission's send-log record holding <paramref name="seq"/>, or null when none does.</summary>
    private SeqNumber? SentUnitEnd(SeqNumber seq)
    {
        for (int i = 0; i < _sentLog.Count; i++)
        {
            ref RackSentLog.Record r = ref _sentLog[i];
            if (!r.Retransmitted && r.Start <= seq && seq < r.End)
            {
                return r.End;
            }
        }
        return null;
    }

    private int RetransmitFirstUnacknowledged()
    {
        int length = _sender.FirstUnacknowledged(CurrentMss, out bool fin);
        if (length <= 0 && !fin)
        {
            return 0;
        }
        CountRetransmission(_sender.SndUna, length);
        TcpFlags flags = (fin ? TcpFlags.Ack | TcpFlags.Fin : TcpFlags.Ack) | RetransmissionPush(_sender.SndUna, length);
        SendSegment(flags, _sender.SndUna, 0, length);
        SetDeadline(TimerKind.Retransmit, CurrentRto());
        return length;
    }

    /// <summary>Every retransmission of data: statistics, Karn's rule, and the undo bookkeeping.</summary>
    private void CountRetransmission(SeqNumber seq, int length)
    {
        TcpStatistics.Increment(ref Stats.RetransSegs);
        _retransmitCount++;
        _rttTiming = false;
        OnRetransmittedForUndo(seq, length);
    }

    SeqNumber IRecoveryTransmitter.SndUna => _sender.SndUna;

    SeqNumber IRecoveryTransmitter.SndMax => _sender.SndMax;

    uint IRecoveryTransmitter.SegmentSize => (uint)CurrentMss;

    ICongestionControl IRecoveryTransmitter.Congestion => _congestion;

    bool IRecoveryTransmitter.NewLossOnThisAck => _newLossOnThisAck;

    private bool _newLossOnThisAck;

    int IRecoveryTransmitter.Retransmit(SeqNumber seq, int length) => RetransmitRange(seq, length);

    int IRecoveryTransmitter.RetransmitLost(SeqNumber seq, int length, int maxBytes) => RetransmitLostUnit(seq, length, maxBytes);

    int IRecoveryTransmitter.RetransmitFirstUnacknowledged() => RetransmitFirstUnacknowledged();

    int IRecoveryTransmitter.SendNewData(long window, int maxSegments, int maxBytes)
    {
        if (_sender.SndNxt != _sender.SndMax)
        {
            return 0; // go-back-N after a timeout is not new data
        }
        SeqNumber before = _sender.SndNxt;
        SendData(maxSegments, window, Math.Max(maxBytes, CurrentMss));
        return (int)(_sender.SndNxt - before);
    }
}
