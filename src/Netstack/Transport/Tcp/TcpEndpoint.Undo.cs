using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// Undoing a window reduction that turned out to be spurious (RFC 2883 §4 with RFC 3708's rule, RFC 3522
/// Eifel detection, RFC 4015 response), and the restart after idle (RFC 5681 §4.1, RFC 7661).
/// </summary>
public sealed partial class TcpEndpoint
{
    private bool _undoArmed;          // an episode whose reduction may still be undone
    private SeqNumber _undoStart;     // SND.UNA and SND.MAX when it began
    private SeqNumber _undoEnd;
    private long _undoRetransmitted;  // bytes retransmitted in it
    private long _undoDsacked;        // bytes of it the peer reported as duplicates (D-SACK)
    private bool _undoTsPending;      // Eifel: the first ACK for the retransmission is still to come
    private bool _undoTsSet;
    private uint _undoTsVal;          // RFC 3522 RetransmitTS: TSval of the episode's first retransmission
    private TimeSpan _idleSince;      // when the flight last drained

    /// <summary>A new episode (fast recovery) begins: its reduction can be undone until the next one.</summary>
    private void ArmUndo()
    {
        _undoArmed = true;
        _undoStart = _sender.SndUna;
        _undoEnd = _sender.SndMax;
        _undoRetransmitted = 0;
        _undoDsacked = 0;
        _undoTsPending = false;
        _undoTsSet = false;
    }

    /// <summary>A timeout: a new episode, unless it continues one whose data is still outstanding.</summary>
    private void ArmUndoForTimeout()
    {
        if (!_undoArmed || _sender.SndUna >= _undoEnd)
        {
            ArmUndo();
        }
        _undoEnd = _sender.SndMax;
    }

    /// <summary>Counts a retransmission of the armed episode's data (an RTO's go-back-N included, however long it runs).</summary>
    private void OnRetransmittedForUndo(SeqNumber seq, int length)
    {
        if (!_undoArmed || seq < _undoStart || seq >= _undoEnd)
        {
            return;
        }
        _undoRetransmitted += length;
        if (!_undoTsSet && _timestamps)
        {
            _undoTsSet = true;
            _undoTsPending = true;
            _undoTsVal = TsNow;
        }
    }

    /// <summary>
    /// RFC 3522 §2: the first ACK for the retransmitted data echoes a timestamp older than the
    /// retransmission, so the original arrived: the retransmission (and the reduction) was spurious.
    /// </summary>
    private void CheckEifel(in TcpSegment seg)
    {
        _undoTsPending = false;
        if (seg.HasTimestamp && seg.TsEcr != 0 && (int)(seg.TsEcr - _undoTsVal) < 0)
        {
            TcpStatistics.Increment(ref Stats.TCPTimestampUndo);
            Undo();
        }
    }

    /// <summary>RFC 2883 §4 / RFC 3708: a D-SACK for data of the episode counts towards "every retransmission was needless".</summary>
    private void OnDsackForUndo()
    {
        if (!_undoArmed)
        {
            return;
        }
        (SeqNumber start, SeqNumber end) = _scoreboard.LastDsack;
        if (start >= _undoStart && end <= _undoEnd)
        {
            _undoDsacked += end - start;
            CheckUndoAfterRecovery();
        }
    }

    /// <summary>Once the episode is over and every retransmitted byte came back as a duplicate, undo.</summary>
    private void CheckUndoAfterRecovery()
    {
        if (_undoArmed && !_inRecovery && _retransmits == 0 && _undoRetransmitted > 0 && _undoDsacked >= _undoRetransmitted)
        {
            TcpStatistics.Increment(ref Stats.TCPDSACKUndo);
            Undo();
        }
    }

    /// <summary>Restores cwnd and ssthresh (the controller kept them, RFC 9438 §4.9) and ends the episode.</summary>
    private void Undo()
    {
        _undoArmed = false;
        _undoTsPending = false;
        if (_inRecovery)
        {
            ExitRecovery();
        }
        _congestion.OnSpuriousRecovery();
        // A later loss may start a new episode; after a spurious timeout, resume with new data (RFC 4015 §2).
        _recover = _sender.SndUna;
        if (_sender.SndNxt < _sender.SndMax)
        {
            _sender.SndNxt = _sender.SndMax;
        }
    }

    /// <summary>The flight is empty and data waits: tell the controller how long nothing was in flight (CUBIC leaves that time out of t, RFC 9438 §5.8).</summary>
    private void ResumeAfterIdle()
    {
        if (_sender.Source.Length == 0 || _sender.SndNxt != _sender.SndMax)
        {
            return;
        }
        TimeSpan now = _host.Now;
        _congestion.OnIdle(now - _idleSince, now);
        _idleSince = now;
    }

    /// <summary>
    /// New data was queued, or the peer's window changed while data waited: with nothing in flight and no data sent for
    /// longer than the RTO, restart the window (RFC 5681 §4.1 "has not sent data in an interval exceeding the
    /// retransmission timeout"; Linux <c>tcp_slow_start_after_idle_check</c>, run from tcp_skb_entail and
    /// tcp_ack_update_window).
    /// </summary>
    private void RestartWindowIfIdle()
    {
        if (_options.SlowStartAfterIdle && _sender.SndUna == _sender.SndMax && _sentData && IsSynchronized)
        {
            _congestion.RestartAfterIdle(_host.Now - LastDataSent, CurrentRto());
        }
    }
}
