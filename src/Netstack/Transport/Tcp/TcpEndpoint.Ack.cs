using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>The fifth step of segment arrival (RFC 9293 §3.10.7.4): acknowledgments, the send window, duplicate ACKs.</summary>
public sealed partial class TcpEndpoint
{
    /// <summary>Fifth step for synchronized states: RFC 5961 §5 acceptance, SND.UNA, window, duplicate ACKs.</summary>
    private bool AckArrives(in TcpSegment seg)
    {
        // RFC 5961 §5.2: acceptable only in [SND.UNA - MAX.SND.WND, SND.NXT]; anything else (an ACK of data not yet
        // sent, or far too old) is dropped with a challenge ACK, rate-limited by §7 like the others so that a blind
        // attacker's ACKs cannot be turned into a flood of ours.
        if (seg.Ack > _sender.SndMax || seg.Ack < _sender.SndUna - _sender.MaxSndWnd)
        {
            SendChallengeAck();
            return false;
        }
        uint newWindow = (uint)seg.Window << _sender.WindowShift;
        bool carriesSack = _sack && seg.SackCount > 0;
        if (carriesSack)
        {
            _sackBlocksReceived += seg.SackCount;
        }
        bool nothingInFlight = _sender.SndUna == _sender.SndMax; // before this ACK, as Linux reads packets_out
        uint sackedBefore = _scoreboard.SackedBytes;
        _sackedBeforeAck = sackedBefore;
        SeqNumber priorFack = ForwardAcked;
        bool wasInRecovery = _inRecovery;
        _newLossOnThisAck = false;
        UpdateScoreboard(seg);
        bool duplicate = false;
        uint acked = 0;
        if (seg.Ack > _sender.SndUna)
        {
            _deadlines[(int)TimerKind.LossProbe] = Never; // re-armed from this ACK by Output
            acked = (uint)(seg.Ack - _sender.SndUna);
            NewDataAcked(seg);
        }
        else if (seg.Ack == _sender.SndUna && seg.PayloadLength == 0 && !seg.Has(TcpFlags.Fin) && newWindow == _sender.SndWnd && _sender.SndMax > _sender.SndUna
            && (!_sack || seg.SackCount > 0)) // RFC 6675 §2: with SACK, a duplicate ACK must carry SACK information
        {
            duplicate = true;
            DuplicateAck();
        }
        if (carriesSack && _scoreboard.LastAckWasDsack)
        {
            OnDsackForUndo();
        }
        RackOnAck(carriesSack, priorFack);
        if (_inRecovery)
        {
            // RFC 6937 §3: DeliveredData = change in SND.UNA + change in SACKed bytes.
            long delivered = acked + ((long)_scoreboard.SackedBytes - sackedBefore);
            _recovery.OnAck(delivered, acked, duplicate, starting: !wasInRecovery);
        }
        EcnOnAck(seg, acked);
        CheckLossProbe(seg, duplicate);
        uint priorWindow = _sender.SndWnd;
        if (_sender.UpdateWindow(seg.Seq, seg.Ack, newWindow)) // a zero window opened
        {
            _deadlines[(int)TimerKind.Persist] = Never;
            _zeroWindowSince = Never;
            _signals |= Signals.Write;
        }
        if (_sender.SndWnd != priorWindow && nothingInFlight && _sender.Unsent(_sender.Source.Length, out _) > 0)
        {
            // The peer's window changed while data waits and none is in flight (a zero window opening, say): the data
            // goes now, so this is where an idle period may end, as Linux runs its restart check in tcp_ack_update_window.
            RestartWindowIfIdle();
        }
        return true;
    }

    private void NewDataAcked(in TcpSegment seg)
    {
        SeqNumber priorUna = _sender.SndUna;
        uint acked = (uint)(seg.Ack - priorUna);
        long data = _sender.Acknowledge(seg.Ack);
        (TimeSpan Oldest, TimeSpan Newest)? ackedSendTimes = AckedSendTimes(priorUna);
        TimeSpan echoedRtt = TakeRttSample(seg, ackedSendTimes);
        CongestionRttSample(ackedSendTimes, echoedRtt);
        if (_undoTsPending)
        {
            CheckEifel(seg);
        }
        OnAckedForRecovery(seg, acked);
        _retransmits = 0;
        if (_sender.SndUna == _sender.SndMax)
        {
            _deadlines[(int)TimerKind.Retransmit] = Never;
            _idleSince = _host.Now; // RFC 5681 §4.1: an idle period may start here
        }
        else
        {
            SetDeadline(TimerKind.Retransmit, CurrentRto());
        }
        if (data > 0)
        {
            _signals |= Signals.Write;
        }
        SendBufferFreed();
    }
}
