using System.Net.Sockets;

namespace Netstack.Transport.Tcp;

/// <summary>The eighth step of segment arrival (RFC 9293 §3.10.7.4, FIN) and TIME-WAIT.</summary>
public sealed partial class TcpEndpoint
{
    /// <summary>Eighth step: a FIN at <paramref name="finSeq"/>; processed only when everything before it arrived.</summary>
    private void FinArrives(SeqNumber finSeq)
    {
        switch (_state)
        {
            case TcpConnectionState.SynReceived:
            case TcpConnectionState.Established:
            case TcpConnectionState.FinWait1:
            case TcpConnectionState.FinWait2:
                if (_receiver.FinReceived)
                {
                    _receiver.AckNow = true;
                    return;
                }
                if (finSeq != _receiver.RcvNxt)
                {
                    if (finSeq > _receiver.RcvNxt)
                    {
                        _receiver.PendingFin = true;
                        _receiver.PendingFinSeq = finSeq;
                    }
                    _receiver.AckNow = true;
                    return;
                }
                _receiver.RcvNxt += 1;
                _receiver.FinReceived = true;
                _receiver.AckNow = true;
                _signals |= Signals.Read;
                if (_state is TcpConnectionState.SynReceived or TcpConnectionState.Established)
                {
                    SetState(TcpConnectionState.CloseWait);
                }
                else if (_state == TcpConnectionState.FinWait1)
                {
                    if (_sender.FinAcked)
                    {
                        EnterTimeWait();
                    }
                    else
                    {
                        SetState(TcpConnectionState.Closing);
                    }
                }
                else
                {
                    EnterTimeWait();
                }
                break;
            case TcpConnectionState.TimeWait:
                _receiver.AckNow = true;
                SetDeadline(TimerKind.TimeWait, _options.TimeWaitDuration);
                break;
            default:
                _receiver.AckNow = true; // CLOSE-WAIT, CLOSING, LAST-ACK: a retransmitted FIN
                break;
        }
    }

    private void EnterTimeWait()
    {
        SetState(TcpConnectionState.TimeWait);
        _receiver.AckNow = true;
        for (int i = 0; i < _deadlines.Length; i++)
        {
            _deadlines[i] = Never;
        }
        SetDeadline(TimerKind.TimeWait, _options.TimeWaitDuration);
        _sender.Source.Clear();
        _sender.Marks.Clear();
        _receiver.Reassembly.Clear();
        _signals |= Signals.Read | Signals.Write;
    }

    /// <summary>RFC 9293 §3.10.7.4 / RFC 6191: may a SYN reuse this TIME-WAIT connection's four-tuple?</summary>
    internal bool CanReuseTimeWait(in TcpSegment syn)
    {
        lock (_lock)
        {
            if (_state != TcpConnectionState.TimeWait)
            {
                return false;
            }
            bool newer = _timestamps && syn.HasTimestamp ? (int)(syn.TsVal - _receiver.TsRecent) > 0 : syn.Seq > _receiver.RcvNxt;
            if (newer)
            {
                TcpStatistics.Increment(ref Stats.TCPTimeWaitReuse);
                Terminate(SocketError.Success, TcpConnectionState.Closed);
            }
            return newer;
        }
    }

    /// <summary>
    /// An active open found every port to this destination taken: may it take this TIME-WAIT connection's four-tuple?
    /// As Linux's <c>tcp_tw_reuse</c>: only with timestamps, and only once a second has passed since the peer's last
    /// timestamp, so PAWS (RFC 7323 §5) drops any old duplicate the new connection could otherwise accept. True ends
    /// this connection (its four-tuple and port are free again) and gives its SND.NXT, which the new ISN must pass.
    /// </summary>
    internal bool TryRecycleTimeWait(TimeSpan now, out SeqNumber sndNxt)
    {
        lock (_lock)
        {
            sndNxt = _sender.SndNxt;
            if (_state != TcpConnectionState.TimeWait || !_timestamps || now - _receiver.TsRecentStamp < TimeWaitRecycleAge)
            {
                return false;
            }
            TcpStatistics.Increment(ref Stats.TWRecycled);
            Terminate(SocketError.Success, TcpConnectionState.Closed);
            return true;
        }
    }

    /// <summary>How long after the peer's last timestamp a TIME-WAIT four-tuple may be taken by a new connection (Linux: 1 s).</summary>
    internal static readonly TimeSpan TimeWaitRecycleAge = TimeSpan.FromSeconds(1);
}
