using Netstack.Stack;
using System.Net.Sockets;

namespace Netstack.Transport.Tcp;

/// <summary>The endpoint's timers (one host timer for the earliest deadline), and what happens after the lock: signals delivered, segments written.</summary>
public sealed partial class TcpEndpoint
{
    private enum TimerKind
    {
        Retransmit,
        DelayedAck,
        Persist,
        Keepalive,
        TimeWait,
        LossProbe,
        RackReorder,
        Count,
    }

    [Flags]
    private enum Signals
    {
        None = 0,
        Read = 1,
        Write = 2,
        Accept = 4,
    }

    private readonly TimeSpan[] _deadlines;
    private TimeSpan _scheduledAt;
    private Signals _signals;
    private int _retransmits;
    private int _persistBackoff;
    private TimeSpan _lastReceived;
    private int _keepaliveProbes;

    private bool IsArmed(TimerKind kind) => _deadlines[(int)kind] != Never;

    private void SetDeadline(TimerKind kind, TimeSpan delay) => _deadlines[(int)kind] = _host.Now + delay;

    private void SetDeadlineIfEarlier(TimerKind kind, TimeSpan delay)
    {
        TimeSpan at = _host.Now + delay;
        if (at < _deadlines[(int)kind])
        {
            _deadlines[(int)kind] = at;
        }
    }

    /// <summary>End of every locked entry point: arm the host timer if a deadline moved earlier, hand back the signals.</summary>
    private Signals Leave()
    {
        if (_sender.SourceFailed && _state != TcpConnectionState.Closed)
        {
            AbortLocked(); // RFC 9293 §3.10.5: the byte stream cannot continue, so the peer learns at once
        }
        TimeSpan earliest = Never;
        foreach (TimeSpan d in _deadlines)
        {
            if (d < earliest)
            {
                earliest = d;
            }
        }
        if (earliest == Never)
        {
            if (_scheduledAt != Never && _state == TcpConnectionState.Closed)
            {
                _timer.Cancel();
                _scheduledAt = Never;
            }
        }
        else if (earliest < _scheduledAt)
        {
            _scheduledAt = earliest;
            TimeSpan delay = earliest - _host.Now;
            _timer.Schedule(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        }
        Signals s = _signals;
        _signals = Signals.None;
        return s;
    }

    private void Deliver(Signals signals)
    {
        if (Volatile.Read(ref _sendSourcePollPending) != 0)
        {
            PollSendSource(); // the source's watcher found the lock taken and left its poll to us
        }
        if ((signals & Signals.Read) != 0)
        {
            ReadWaiter.Signal();
        }
        if ((signals & Signals.Write) != 0)
        {
            WriteWaiter.Signal();
        }
        if ((signals & Signals.Accept) != 0)
        {
            _listenerForSignal?.AcceptWaiter.Signal();
            _listenerForSignal = null;
        }
    }

    private TcpListenSocket? _listenerForSignal;

    /// <summary>
    /// Declared before an entry point takes the lock, disposed after it released it: writes the segments the entry
    /// point queued (see <see cref="ITcpHost.FlushTransmitQueue"/>), so no link is ever entered under the lock. An
    /// entry point running on a dispatcher passes its context, and the write waits for the end of the batch.
    /// </summary>
    private readonly struct TransmitFlush(TcpEndpoint endpoint, TransmitContext tx) : IDisposable
    {
        public TransmitFlush(TcpEndpoint endpoint)
            : this(endpoint, TransmitContext.Immediate)
        {
        }

        public void Dispose() => endpoint._host.FlushTransmitQueue(endpoint._transmitQueue, tx);
    }

    private void OnTimer()
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            _scheduledAt = Never;
            TimeSpan now = _host.Now;
            if (_deadlines[(int)TimerKind.LossProbe] <= now)
            {
                // First: a PTO capped at the RTO (RFC 8985 §7.2) is due with it, and the probe goes in the RTO's place
                // (it re-arms the RTO), as Linux, which schedules the probe instead of the retransmission timer.
                _deadlines[(int)TimerKind.LossProbe] = Never;
                LossProbeTimerExpired();
            }
            if (_deadlines[(int)TimerKind.Retransmit] <= now)
            {
                _deadlines[(int)TimerKind.Retransmit] = Never;
                RetransmitTimerExpired();
            }
            if (_deadlines[(int)TimerKind.DelayedAck] <= now)
            {
                _deadlines[(int)TimerKind.DelayedAck] = Never;
                if (IsSynchronized && _state != TcpConnectionState.TimeWait)
                {
                    _receiver.AckNow = true;
                }
            }
            if (_deadlines[(int)TimerKind.Persist] <= now)
            {
                _deadlines[(int)TimerKind.Persist] = Never;
                PersistTimerExpired();
            }
            if (_deadlines[(int)TimerKind.Keepalive] <= now)
            {
                _deadlines[(int)TimerKind.Keepalive] = Never;
                KeepaliveTimerExpired(now);
            }
            if (_deadlines[(int)TimerKind.RackReorder] <= now)
            {
                _deadlines[(int)TimerKind.RackReorder] = Never;
                RackReorderTimerExpired();
            }
            if (_deadlines[(int)TimerKind.TimeWait] <= now)
            {
                _deadlines[(int)TimerKind.TimeWait] = Never;
                if (_state is TcpConnectionState.TimeWait or TcpConnectionState.FinWait2)
                {
                    Terminate(SocketError.Success, TcpConnectionState.Closed);
                }
            }
            if (_state != TcpConnectionState.Closed)
            {
                Output();
            }
            signals = Leave();
        }
        Deliver(signals);
    }

    /// <summary>RFC 6298 §5: back off, go back to SND.UNA and resend; SYNs give up after SynRetries (TimedOut).</summary>
    private void RetransmitTimerExpired()
    {
        switch (_state)
        {
            case TcpConnectionState.SynSent:
            case TcpConnectionState.SynReceived:
                if (++_retransmits > _options.SynRetries)
                {
                    Terminate(_softError != SocketError.Success ? _softError : SocketError.TimedOut, TcpConnectionState.Closed);
                    return;
                }
                BackOff();
                TcpStatistics.Increment(ref Stats.RetransSegs);
                _sender.SndNxt = _sender.Iss;
                SendSyn();
                return;
            case TcpConnectionState.Closed:
            case TcpConnectionState.Listen:
            case TcpConnectionState.TimeWait:
                return;
        }
        if (_sender.SndUna == _sender.SndMax)
        {
            return;
        }
        if (RetransmissionsExhausted())
        {
            AbortOnTimeout();
            return;
        }
        _retransmits++;
        TcpStatistics.Increment(ref Stats.TCPTimeouts);
        BackOff();
        OnRetransmitTimeoutForRecovery();
        _sender.SndNxt = _sender.SndUna;
        _rttTiming = false;
        SetDeadline(TimerKind.Retransmit, ClampToUserTimeout(CurrentRto(), _retransmitStamp));
    }

    /// <summary>Zero-window probe (RFC 9293 §3.8.6.1) with exponential back-off.</summary>
    private void PersistTimerExpired()
    {
        if (_state is not (TcpConnectionState.Established or TcpConnectionState.CloseWait or TcpConnectionState.FinWait1 or TcpConnectionState.LastAck or TcpConnectionState.Closing))
        {
            return;
        }
        if ((_sender.SndWnd != 0 && _sender.SndMax != _sender.SndUna) || _sender.Source.Length <= _sender.SndNxt - _sender.SndUna)
        {
            _zeroWindowSince = Never;
            return;
        }
        if (ZeroWindowProbingExhausted())
        {
            AbortOnTimeout(); // RFC 5482 §3 / Linux tcp_probe_timer: a user timeout bounds probing a closed window too
            return;
        }
        if (_sender.SndWnd != 0 && _sender.SndMax == _sender.SndUna && _sender.Source.Length - (_sender.SndNxt - _sender.SndUna) <= _sender.SndWnd)
        {
            // The window is open and takes all: only cork held the tail. It waited one RTO, the bound Linux gives
            // TCP_CORK (its probe timer's tcp_write_wakeup sends the tail, with PSH).
            _pushReleased = true;
            OutputWith(TcpNagleMode.Push);
            _pushReleased = false;
            return;
        }
        SendProbe(); // also when SWS avoidance holds data back: the answer carries the current window
        _persistBackoff = Math.Min(_persistBackoff + 1, 10);
        TimeSpan delay = CurrentRto() * (1 << _persistBackoff);
        SetDeadline(TimerKind.Persist, ClampToUserTimeout(delay < _options.MaxRto ? delay : _options.MaxRto, _zeroWindowSince));
    }

    /// <summary>
    /// RFC 9293 §3.8.4 / RFC 1122 §4.2.3.6 keepalive: probe after idle time, give up after the probe count, or with a
    /// user timeout once a probe is out and nothing has arrived for that long (RFC 5482 §3; Linux tcp_keepalive_timer).
    /// </summary>
    private void KeepaliveTimerExpired(TimeSpan now)
    {
        if (!_options.KeepAlive || _state is not (TcpConnectionState.Established or TcpConnectionState.CloseWait))
        {
            return;
        }
        TimeSpan idle = now - _lastReceived;
        if (idle < _options.KeepAliveTime && _keepaliveProbes == 0)
        {
            _deadlines[(int)TimerKind.Keepalive] = _lastReceived + _options.KeepAliveTime;
            return;
        }
        if (HasUserTimeout ? _keepaliveProbes > 0 && idle >= _options.UserTimeout : _keepaliveProbes >= _options.KeepAliveProbes)
        {
            AbortOnTimeout();
            return;
        }
        _keepaliveProbes++;
        TcpStatistics.Increment(ref Stats.TCPKeepAlive);
        SendProbe();
        SetDeadline(TimerKind.Keepalive, _options.KeepAliveInterval);
    }
}
