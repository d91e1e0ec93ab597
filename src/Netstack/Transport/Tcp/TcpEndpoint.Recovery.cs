using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>RTT measurement, retransmission timeout, congestion control and loss recovery (RFC 6298, 5681, 6582).</summary>
public sealed partial class TcpEndpoint
{
    private ICongestionControl _congestion = null!;
    private RttEstimator _rtt = null!;
    private bool _rttTiming;
    private SeqNumber _rttSeq;
    private TimeSpan _rttStart;
    private int _dupAcks;
    private bool _inRecovery;
    private SeqNumber _recover;
    private TimeSpan _minRtt = TimeSpan.MaxValue;
    private readonly SackScoreboard _scoreboard = new();
    private SeqNumber _highRxt;
    private bool _sackRecovery;
    private readonly RackTlp _rack = new();
    private static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(10);

    private static ICongestionControl CreateCongestionControl(string name) =>
        string.Equals(name, "newreno", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "reno", StringComparison.OrdinalIgnoreCase)
            ? new NewReno()
            : new Cubic();

    private long CongestionWindow => _congestion.CongestionWindow;

    private TimeSpan CurrentRto() => _rtt.Rto;

    private void BackOff() => _rtt.Backoff();

    private void TakeRttSampleFromSyn(in TcpSegment seg)
    {
        if (_retransmits == 0)
        {
            AddRttSample(_host.Now - _synSentAt);
        }
        _ = seg;
    }

    private TimeSpan _synSentAt;

    /// <summary>RTT from the echoed timestamp (RFC 7323 §4.1) or from one timed segment (Karn's rule).</summary>
    private void TakeRttSample(in TcpSegment seg)
    {
        if (_timestamps && seg.HasTimestamp && seg.TsEcr != 0)
        {
            uint ms = TsNow - seg.TsEcr;
            if (ms < 600_000)
            {
                AddRttSample(TimeSpan.FromMilliseconds(ms));
            }
        }
        else if (_rttTiming && seg.Ack > _rttSeq)
        {
            _rttTiming = false;
            AddRttSample(_host.Now - _rttStart);
        }
        _rtt.ResetBackoff();
    }

    private void AddRttSample(TimeSpan sample)
    {
        if (sample < _minRtt)
        {
            _minRtt = sample;
        }
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
        SeqNumber una = seg.Ack > _sndUna && seg.Ack <= _sndMax ? seg.Ack : _sndUna;
        _scoreboard.OnAck(una, _sndMax, blocks[..n]);
    }

    private void DuplicateAck(in TcpSegment seg)
    {
        _ = seg;
        _dupAcks++;
        bool lost = _dupAcks >= SackScoreboard.DupThresh || (_sack && _scoreboard.IsLost(_sndUna, (uint)_sendMss));
        if (lost && !_inRecovery && _sndUna >= _recover)
        {
            EnterRecovery();
        }
    }

    /// <summary>
    /// Fast retransmit and fast recovery: RFC 6675 (SACK, pipe-driven) when SACK is on, RFC 6582
    /// (NewReno partial ACKs) otherwise.
    /// </summary>
    private void EnterRecovery()
    {
        _inRecovery = true;
        _deadlines[(int)TimerKind.LossProbe] = Never;
        _recover = _sndMax;
        _congestion.OnEnterRecovery(BytesInFlight, _host.Now);
        TcpStatistics.Increment(ref Stats.TCPFastRetrans);
        if (_sack)
        {
            // RFC 6675 §5 steps 4.1-4.4: retransmit the first segment, then let the pipe decide.
            _sackRecovery = true;
            TcpStatistics.Increment(ref Stats.TCPSackRecovery);
            int length = (int)Math.Min(Math.Min(CurrentMss, _send.Length), _sndMax - _sndUna);
            if (length > 0)
            {
                _highRxt = _sndUna + RetransmitRange(_sndUna, length);
            }
            else
            {
                _highRxt = _sndUna;
            }
            return;
        }
        RetransmitFirstUnacknowledged();
    }

    /// <summary>RFC 6675 §5 step (C): while cwnd - pipe allows a segment, send NextSeg() (lost data, new data, then rescue).</summary>
    private void SackRecoverySend()
    {
        uint mss = (uint)CurrentMss;
        for (int guard = 0; guard < 4096; guard++)
        {
            uint pipe = _scoreboard.Pipe(_sndUna, _sndMax, _highRxt, mss);
            if ((long)_congestion.CongestionWindow - pipe < mss)
            {
                return;
            }
            if (_scoreboard.TryNextLostSegment(_sndUna, _sndMax, _highRxt, mss, out SeqNumber seq, out uint length))
            {
                int sent = RetransmitRange(seq, (int)length);
                if (sent == 0)
                {
                    return;
                }
                _highRxt = seq + sent;
                continue;
            }
            if (_sndNxt == _sndMax && SendData(maxSegments: 1, ignoreCongestionWindow: true) > 0)
            {
                continue;
            }
            if (_scoreboard.TryNextSegment(_sndUna, _sndMax, _highRxt, mss, out seq, out length))
            {
                int sent = RetransmitRange(seq, (int)length);
                if (sent == 0)
                {
                    return;
                }
                _highRxt = seq + sent;
                continue;
            }
            return;
        }
    }

    /// <summary>Resends [seq, seq + length) clipped to one current MSS and the buffered data; returns the bytes sent.</summary>
    private int RetransmitRange(SeqNumber seq, int length)
    {
        long offset = seq - _sndUna;
        length = (int)Math.Min(Math.Min(length, CurrentMss), _send.Length - offset);
        if (length <= 0)
        {
            return 0;
        }
        TcpStatistics.Increment(ref Stats.RetransSegs);
        _retransmitCount++;
        _rttTiming = false;
        SendSegment(TcpFlags.Ack, seq, offset, length);
        if (!IsArmed(TimerKind.Retransmit))
        {
            SetDeadline(TimerKind.Retransmit, CurrentRto());
        }
        return length;
    }

    private void OnAckedForRecovery(in TcpSegment seg, uint acked)
    {
        if (_inRecovery)
        {
            if (seg.Ack >= _recover)
            {
                _inRecovery = false;
                _sackRecovery = false;
                _dupAcks = 0;
                _rack.OnRecoveryExit();
                _congestion.OnExitRecovery(_host.Now);
            }
            else if (!_sackRecovery)
            {
                // RFC 6582 §3.2 step 5: a partial ACK retransmits the next unacknowledged segment.
                RetransmitFirstUnacknowledged();
            }
            else if (_highRxt < _sndUna)
            {
                _highRxt = _sndUna;
            }
            return;
        }
        _dupAcks = 0;
        _congestion.OnAck(acked, BytesInFlight, _host.Now, _minRtt == TimeSpan.MaxValue ? TimeSpan.Zero : _minRtt);
    }

    private void OnRetransmitTimeoutForRecovery()
    {
        _congestion.OnRetransmitTimeout(BytesInFlight, _host.Now);
        _scoreboard.Clear(); // RFC 2018 §8: the receiver may have reneged; resend from SND.UNA
        _rack.CancelProbe();
        RackOnRetransmitTimeout();
        _deadlines[(int)TimerKind.LossProbe] = Never;
        _sackRecovery = false;
        _inRecovery = false;
        _dupAcks = 0;
        _recover = _sndMax;
    }

    private uint BytesInFlight => (uint)(_sndMax - _sndUna);

    private void RetransmitFirstUnacknowledged()
    {
        long outstanding = _sndMax - _sndUna;
        int length = (int)Math.Min(Math.Min(CurrentMss, _send.Length), outstanding);
        bool fin = _finQueued && !_finAcked && length == _send.Length && outstanding > _send.Length;
        if (length <= 0 && !fin)
        {
            return;
        }
        TcpStatistics.Increment(ref Stats.RetransSegs);
        _retransmitCount++;
        _rttTiming = false;
        SendSegment(fin ? TcpFlags.Ack | TcpFlags.Fin : TcpFlags.Ack, _sndUna, 0, length);
        SetDeadline(TimerKind.Retransmit, CurrentRto());
    }

    /// <summary>
    /// RFC 8985 §7.2: with SACK, data outstanding and no recovery under way, a tail loss probe fires
    /// after PTO = 2·SRTT (+ delayed-ACK allowance for a lone segment), well before the RTO.
    /// </summary>
    private void ArmLossProbe()
    {
        if (!_sack || _inRecovery || _rack.ProbeOutstanding || _sndUna == _sndMax || IsArmed(TimerKind.LossProbe)
            || _state is not (TcpState.Established or TcpState.CloseWait) || !_rtt.HasSample)
        {
            return;
        }
        bool single = _sndMax - _sndUna <= _sendMss;
        TimeSpan pto = _rack.ProbeTimeout(_rtt.SmoothedRtt, single, CurrentRto());
        // A floor (Linux TCP_TIMEOUT_MIN-like): at sub-millisecond RTTs, scheduling noise alone would
        // fire spurious probes.
        SetDeadline(TimerKind.LossProbe, pto < MinProbeTimeout ? MinProbeTimeout : pto);
    }

    /// <summary>RFC 8985 §7.3: send one new segment if the window allows, else retransmit the last one.</summary>
    private void LossProbeTimerExpired()
    {
        if (!_sack || _inRecovery || _sndUna == _sndMax || _state is not (TcpState.Established or TcpState.CloseWait))
        {
            return;
        }
        if (_sndNxt == _sndMax && SendData(maxSegments: 1, ignoreCongestionWindow: true) > 0)
        {
            TcpStatistics.Increment(ref Stats.TCPLossProbes);
            _rack.OnProbeSent(_sndMax, retransmission: false);
        }
        else
        {
            long outstandingData = Math.Min(_sndMax - _sndUna, _send.Length);
            int length = (int)Math.Min(CurrentMss, outstandingData);
            if (length <= 0)
            {
                return;
            }
            SeqNumber seq = _sndUna + (uint)(outstandingData - length);
            TcpStatistics.Increment(ref Stats.TCPLossProbes);
            RetransmitRange(seq, length);
            _rack.OnProbeSent(seq + length, retransmission: true);
        }
        SetDeadline(TimerKind.Retransmit, CurrentRto());
    }

    /// <summary>RFC 8985 §7.4: did the probe repair a loss? Then congestion control responds as to a loss.</summary>
    private void CheckLossProbe(in TcpSegment seg, bool duplicate)
    {
        if (!_rack.ProbeOutstanding)
        {
            return;
        }
        bool dsack = _scoreboard.LastAckWasDsack && _scoreboard.LastDsack.End == _rack.ProbeEndSeq;
        if (_rack.OnAckForProbe(seg.Ack, dsack, duplicate) == TlpOutcome.LossRepaired)
        {
            _congestion.OnEnterRecovery(BytesInFlight, _host.Now);
            _congestion.OnExitRecovery(_host.Now);
        }
    }
}
