using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>The tail loss probe of RACK-TLP (RFC 8985 §7).</summary>
public sealed partial class TcpEndpoint
{
    private bool _inTimeoutRecovery; // a retransmission timeout fired and SND.UNA has not passed _recover since

    /// <summary>
    /// RFC 8985 §7.2: with SACK, data outstanding and no recovery under way, a tail loss probe fires
    /// after PTO = 2·SRTT (+ delayed-ACK allowance for a lone segment), well before the RTO.
    /// </summary>
    private void ArmLossProbe()
    {
        if (_inTimeoutRecovery && _sender.SndUna > _recover)
        {
            _inTimeoutRecovery = false; // what was outstanding at the timeout is acknowledged
        }
        // RFC 8985 §7.2 (e): no probe while the connection is in loss recovery, and a timeout's go-back-N is one
        // (Linux schedules none outside CA_Open): a probe there would cut the backed-off RTO short.
        if (!_sack || _inRecovery || _inTimeoutRecovery || _rack.ProbeOutstanding || _sender.SndUna == _sender.SndMax || IsArmed(TimerKind.LossProbe)
            || !ProbingState || !_rtt.HasSample)
        {
            return;
        }
        bool single = _sender.SndMax - _sender.SndUna <= _sender.Mss;
        TimeSpan pto = _rack.ProbeTimeout(_rtt.SmoothedRtt, single, CurrentRto());
        // A floor (Linux TCP_TIMEOUT_MIN-like): at sub-millisecond RTTs, scheduling noise alone would
        // fire spurious probes.
        SetDeadline(TimerKind.LossProbe, pto < MinProbeTimeout ? MinProbeTimeout : pto);
    }

    /// <summary>States with data or our FIN possibly outstanding: after a shutdown the tail may be the FIN (RFC 8985 §7 covers any tail).</summary>
    private bool ProbingState => _state is TcpConnectionState.Established or TcpConnectionState.CloseWait or TcpConnectionState.FinWait1
        or TcpConnectionState.Closing or TcpConnectionState.LastAck;

    /// <summary>RFC 8985 §7.3: send one new segment if the window allows, else retransmit the last one (the FIN alone when it was last).</summary>
    private void LossProbeTimerExpired()
    {
        if (!_sack || _inRecovery || _sender.SndUna == _sender.SndMax || !ProbingState)
        {
            return;
        }
        if (_sender.FinQueued && !_sender.FinAcked && _sender.SndNxt == _sender.SndMax
            && _sender.SndMax == _sender.SndUna + (uint)_sender.Source.Length + 1)
        {
            // Our FIN went out after the data: it is the last segment sent, so it is the probe.
            SeqNumber finSeq = _sender.SndMax - 1;
            TcpStatistics.Increment(ref Stats.TCPLossProbes);
            CountRetransmission(finSeq, 0);
            SendSegment(TcpFlags.Ack | TcpFlags.Fin, finSeq, _sender.Source.Length, 0);
            _rack.OnProbeSent(_sender.SndMax, retransmission: true);
            SetDeadline(TimerKind.Retransmit, CurrentRto());
            return;
        }
        if (_sender.SndNxt == _sender.SndMax && SendData(maxSegments: 1, _sender.SndWnd, CurrentMss) > 0) // one new segment: an MSS, not a super-segment
        {
            TcpStatistics.Increment(ref Stats.TCPLossProbes);
            _rack.OnProbeSent(_sender.SndMax, retransmission: false);
        }
        else
        {
            long outstandingData = Math.Min(_sender.SndMax - _sender.SndUna, _sender.Source.Length);
            int length = (int)Math.Min(CurrentMss, outstandingData);
            if (length <= 0)
            {
                return;
            }
            SeqNumber seq = _sender.SndUna + (uint)(outstandingData - length);
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
