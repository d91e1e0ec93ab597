using Netstack.Stack;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>Segment arrival: RFC 9293 §3.10.7, one method per step, read next to the RFC.</summary>
public sealed partial class TcpEndpoint
{
    /// <summary>Processes one segment for this connection. <paramref name="packet"/> is positioned at the TCP header; the caller keeps its reference.</summary>
    internal void HandleSegment(in TcpSegment seg, PacketBuffer packet, in TransmitContext tx)
    {
        using TransmitFlush flush = new(this, tx);
        Signals signals;
        lock (_lock)
        {
            _lastReceived = _host.Now;
            _keepaliveProbes = 0;
            _moreFollows = false; // a segment in lets a MSG_MORE tail go as Nagle allows (Linux tcp_data_snd_check)
            switch (_state)
            {
                case TcpConnectionState.Closed:
                case TcpConnectionState.Listen:
                    break;
                case TcpConnectionState.SynSent:
                    SynSentArrives(seg);
                    break;
                default:
                    SynchronizedArrives(seg, packet);
                    break;
            }
            Output();
            signals = Leave();
        }
        Deliver(signals);
    }

    /// <summary>RFC 9293 §3.10.7.3: SYN-SENT.</summary>
    private void SynSentArrives(in TcpSegment seg)
    {
        bool ackAcceptable = false;
        if (seg.Has(TcpFlags.Ack))
        {
            if (seg.Ack <= _sender.Iss || seg.Ack > _sender.SndNxt)
            {
                if (!seg.Has(TcpFlags.Rst))
                {
                    SendReset(seg.Ack);
                }
                return;
            }
            ackAcceptable = true;
        }
        if (seg.Has(TcpFlags.Rst))
        {
            // RFC 5961 §3.2 leaves SYN-SENT to the acceptable-ACK test above.
            if (ackAcceptable)
            {
                Terminate(SocketError.ConnectionRefused, TcpConnectionState.Closed);
            }
            return;
        }
        if (!seg.Has(TcpFlags.Syn))
        {
            return;
        }
        _receiver.Irs = seg.Seq;
        _receiver.RcvNxt = seg.Seq + 1;
        _receiver.WindowEdge = _receiver.RcvNxt + (uint)Math.Min(_options.ReceiveBufferSize, ushort.MaxValue);
        NegotiateSynOptions(seg, _options.WindowScaling);
        NegotiateEcnOnSynAck(seg); // a simultaneous open's SYN is no SYN-ACK: no ECN then
        if (_timestamps)
        {
            _receiver.TsRecent = seg.TsVal;
            _receiver.TsRecentStamp = _lastReceived;
        }
        _sender.InitWindow(seg.Window, seg.Seq, seg.Ack); // RFC 7323 §2.2: the window in a SYN is never scaled
        if (ackAcceptable)
        {
            _sender.SndUna = seg.Ack;
            TakeRttSampleFromSyn(seg);
            EnterEstablished();
            _receiver.AckNow = true;
        }
        else
        {
            // Simultaneous open (RFC 9293 Figure 8): answer with SYN-ACK from the same ISS.
            SetState(TcpConnectionState.SynReceived);
            _sender.SndNxt = _sender.Iss;
            SendSyn();
        }
    }

    /// <summary>RFC 9293 §3.10.7.4: every synchronized state, and SYN-RECEIVED.</summary>
    private void SynchronizedArrives(in TcpSegment seg, PacketBuffer packet)
    {
        if (_state == TcpConnectionState.SynReceived && seg.Has(TcpFlags.Syn) && seg.Seq == _receiver.Irs && !seg.Has(TcpFlags.Rst))
        {
            SynAgainInSynReceived(seg);
            return;
        }
        if (!PassesSequenceRstAndSynChecks(seg))
        {
            return;
        }

        // Fifth: ACK.
        if (!seg.Has(TcpFlags.Ack) || (_state == TcpConnectionState.SynReceived && !SynReceivedAcknowledged(seg)))
        {
            return;
        }
        if (!AckArrives(seg) || !ContinuesAfterFinAcknowledged())
        {
            return;
        }

        // Seventh: segment text.
        if (seg.PayloadLength > 0)
        {
            if (_state is TcpConnectionState.Established or TcpConnectionState.FinWait1 or TcpConnectionState.FinWait2)
            {
                if (_appClosed)
                {
                    // Linux: data for a socket the application closed is answered with RST, a reply to that segment
                    // (RFC 9293 §3.10.7.4: <SEQ=SEG.ACK><CTL=RST>), so a FIN of ours it has not acknowledged yet is not in it.
                    TcpStatistics.Increment(ref Stats.TCPAbortOnData);
                    SendReset(seg.Ack);
                    Terminate(SocketError.ConnectionReset, TcpConnectionState.Closed);
                    return;
                }
                EcnOnDataArrives(seg);
                DataArrives(seg, packet);
            }
        }

        // Eighth: FIN.
        if (seg.Has(TcpFlags.Fin))
        {
            FinArrives(seg.Seq + seg.PayloadLength);
        }
    }

    /// <summary>SYN-RECEIVED and the peer's SYN again: our SYN-ACK was lost, or this is its SYN-ACK in a simultaneous open.</summary>
    private void SynAgainInSynReceived(in TcpSegment seg)
    {
        if (seg.Has(TcpFlags.Ack) && seg.Ack > _sender.SndUna && seg.Ack <= _sender.SndNxt)
        {
            _sender.SndUna = seg.Ack;
            _sender.SndWnd = (uint)seg.Window;
            EnterEstablished();
            _receiver.AckNow = true;
        }
        else
        {
            _sender.SndNxt = _sender.Iss;
            SendSyn();
        }
    }

    /// <summary>RFC 9293 §3.10.7.4 first to fourth steps (with PAWS, RFC 7323 §5.3, and RFC 5961): false when the segment stops here.</summary>
    private bool PassesSequenceRstAndSynChecks(in TcpSegment seg)
    {
        // RFC 7323 §5.3 R1: PAWS rejects old duplicates before the sequence test.
        if (_timestamps && seg.HasTimestamp && !seg.Has(TcpFlags.Rst) && (int)(seg.TsVal - _receiver.TsRecent) < 0)
        {
            TcpStatistics.Increment(ref Stats.PAWSEstab);
            _receiver.AckNow = true;
            return false;
        }

        // First: sequence number check.
        if (!_receiver.IsAcceptable(seg))
        {
            if (!seg.Has(TcpFlags.Rst))
            {
                _receiver.AckNow = true;
                if (_sack && seg.PayloadLength > 0 && seg.Seq + seg.PayloadLength <= _receiver.RcvNxt)
                {
                    _receiver.RecordOldDuplicate(seg.Seq, seg.Seq + seg.PayloadLength);
                }
                if (_state == TcpConnectionState.TimeWait && seg.Has(TcpFlags.Fin))
                {
                    SetDeadline(TimerKind.TimeWait, _options.TimeWaitDuration);
                }
            }
            return false;
        }

        // RFC 7323 §4.3: remember TS.Recent from a segment covering Last.ACK.sent.
        if (_timestamps && seg.HasTimestamp && seg.Seq <= _receiver.LastAckSent)
        {
            _receiver.TsRecent = seg.TsVal;
            _receiver.TsRecentStamp = _lastReceived;
        }

        // Second: RST (RFC 5961 §3.2: only an exact match resets, others in the window get a challenge ACK).
        if (seg.Has(TcpFlags.Rst))
        {
            if (seg.Seq == _receiver.RcvNxt)
            {
                ResetArrives();
            }
            else
            {
                SendChallengeAck();
            }
            return false;
        }

        // Fourth: SYN in a synchronized state gets a challenge ACK (RFC 5961 §4.2).
        if (seg.Has(TcpFlags.Syn))
        {
            SendChallengeAck();
            return false;
        }

        return true;
    }

    /// <summary>The ACK of our SYN in SYN-RECEIVED: ESTABLISHED (or FIN-WAIT-1 when the application already closed); false when it is unacceptable.</summary>
    private bool SynReceivedAcknowledged(in TcpSegment seg)
    {
        if (seg.Ack <= _sender.SndUna || seg.Ack > _sender.SndNxt)
        {
            SendReset(seg.Ack);
            return false;
        }
        _sender.SndUna = _sender.Iss + 1;
        _sender.TakeWindow((uint)seg.Window << _sender.WindowShift, seg.Seq, seg.Ack);
        TakeRttSampleFromSyn(seg);
        bool finWasQueued = _sender.FinQueued;
        EnterEstablished();
        if (finWasQueued)
        {
            SetState(TcpConnectionState.FinWait1);
        }
        return true;
    }

    /// <summary>The state changes an acknowledged FIN causes (RFC 9293 §3.10.7.4, fifth); false when the connection is done with the segment.</summary>
    private bool ContinuesAfterFinAcknowledged()
    {
        switch (_state)
        {
            case TcpConnectionState.FinWait1 when _sender.FinAcked:
                SetState(TcpConnectionState.FinWait2);
                if (_appClosed)
                {
                    SetDeadline(TimerKind.TimeWait, _options.FinWait2Timeout);
                }
                break;
            case TcpConnectionState.Closing when _sender.FinAcked:
                EnterTimeWait();
                return false;
            case TcpConnectionState.LastAck when _sender.FinAcked:
                Terminate(SocketError.Success, TcpConnectionState.Closed);
                return false;
        }
        return true;
    }

    private void ResetArrives()
    {
        switch (_state)
        {
            case TcpConnectionState.SynReceived:
                // From a passive open: back to LISTEN, which for us means forgetting the child.
                Terminate(SocketError.ConnectionRefused, TcpConnectionState.Closed);
                break;
            case TcpConnectionState.Established:
            case TcpConnectionState.FinWait1:
            case TcpConnectionState.FinWait2:
            case TcpConnectionState.CloseWait:
                TcpStatistics.Increment(ref Stats.EstabResets);
                Terminate(SocketError.ConnectionReset, TcpConnectionState.Closed);
                break;
            default:
                Terminate(SocketError.Success, TcpConnectionState.Closed);
                break;
        }
    }

    /// <summary>Seventh step: the receiver queues the bytes and decides the ACK; a FIN waiting behind them may follow.</summary>
    private void DataArrives(in TcpSegment seg, PacketBuffer packet)
    {
        _lastDataReceived = _lastReceived; // this segment's arrival, read once in HandleSegment
        _receiveMss.OnSegment(seg.PayloadLength, packet.Offload.GsoSize, seg.HeaderLength,
            TcpSegment.MinHeaderLength + (_timestamps ? 12 : 0), seg.Has(TcpFlags.Psh), _receiver.AdvertisedMss);
        if (!_receiver.Accept(seg, packet, _sack, _rtt.Rto, out bool delayAck))
        {
            return;
        }
        if (delayAck)
        {
            SetDeadlineIfEarlier(TimerKind.DelayedAck, _options.DelayedAckTimeout);
        }
        _signals |= Signals.Read;
        if (_receiver.PendingFin && _receiver.RcvNxt == _receiver.PendingFinSeq)
        {
            _receiver.PendingFin = false;
            FinArrives(_receiver.PendingFinSeq);
        }
    }

    private void EnterEstablished(bool countedHalfOpen = true)
    {
        SetState(TcpConnectionState.Established);
        TcpLog.Established(_protocol.Logger, _id.LocalAddress, _id.LocalPort, _id.RemoteAddress, _id.RemotePort);
        _receiver.OnEstablished();
        _retransmits = 0;
        _rtt.ResetBackoff();
        _deadlines[(int)TimerKind.Retransmit] = Never;
        _congestion.Init((uint)_sender.Mss, _host.Now);
        _cwndUsage.Reset();
        ChooseLossRecovery();
        _idleSince = _host.Now;
        _lastDataReceived = _host.Now; // as Linux, the handshake counts as the last arrival until data comes
        _receiveMss.Initialize(_receiver.AdvertisedMss, _sender.Mss, _receiver.Window);
        if (_options.KeepAlive)
        {
            SetDeadline(TimerKind.Keepalive, _options.KeepAliveTime);
        }
        _signals |= Signals.Write;
        if (_listener is not null)
        {
            TcpListenSocket listener = _listener;
            _listener = null;
            if (listener.OnChildEstablished(this, countedHalfOpen))
            {
                _listenerForSignal = listener;
                _signals |= Signals.Accept;
            }
            else
            {
                AbortLocked();
            }
        }
    }
}
