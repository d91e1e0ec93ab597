using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>Snapshots and option changes that need the lock.</summary>
public sealed partial class TcpEndpoint
{
    private long _retransmitCount;
    private long _sackBlocksReceived;
    private TimeSpan _lastDataReceived;
    private ReceiveMssEstimator _receiveMss;

    /// <summary>
    /// A consistent snapshot (taken under the lock, like Linux TCP_INFO) of the state, the congestion and RTT estimates,
    /// the negotiated options, both windows, the buffers and the byte and retransmission counters.
    /// </summary>
    public TcpInfo GetInfo()
    {
        lock (_lock)
        {
            TimeSpan now = _host.Now;
            return new TcpInfo
            {
                State = _state,
                CongestionControl = _congestion.Name,
                CongestionWindow = _state is TcpConnectionState.SynSent or TcpConnectionState.SynReceived ? 0 : _congestion.CongestionWindow,
                SlowStartThreshold = _congestion.SlowStartThreshold,
                SmoothedRtt = _rtt.SmoothedRtt,
                RttVariance = _rtt.RttVariance,
                MinRtt = MinRtt,
                Rto = _rtt.Rto,
                BytesInFlight = BytesInFlight,
                Retransmits = _retransmitCount,
                SackBlocksReceived = _sackBlocksReceived,
                SendMss = _sender.Mss,
                AdvertisedMss = _receiver.AdvertisedMss,
                SendWindow = _sender.SndWnd,
                ReceiveWindow = _receiver.Window,
                SendWindowScale = _sender.WindowShift,
                ReceiveWindowScale = _receiver.WindowShift,
                Timestamps = _timestamps,
                Sack = _sack,
                Ecn = _ecn,
                BytesSent = _sender.BytesSent,
                BytesReceived = _receiver.BytesReceived,
                SendBufferBytes = _sender.Source.Length,
                ReceiveQueueBytes = _receiver.Queue.Bytes,
                CongestionState = CongestionStateLocked(),
                SackedBytes = _scoreboard.SackedBytes,
                LostBytes = _sack ? _scoreboard.LostBytes(_sender.SndUna, _sender.SndMax, (uint)Math.Max(_sender.Mss, 1)) : 0,
                Reordering = _reordering.Degree,
                ReorderingEvents = _reordering.Events,
                ReceiveMss = IsSynchronized ? _receiveMss.Mss : 0,
                SinceLastDataReceived = IsSynchronized && now > _lastDataReceived ? now - _lastDataReceived : TimeSpan.Zero,
                SinceLastDataSent = _sentData && now > LastDataSent ? now - LastDataSent : TimeSpan.Zero,
                BusyTime = _chrono.Total(SendLimit.Busy, now) + _chrono.Total(SendLimit.ReceiveWindow, now) + _chrono.Total(SendLimit.SendBuffer, now),
                ReceiveWindowLimitedTime = _chrono.Total(SendLimit.ReceiveWindow, now),
                SendBufferLimitedTime = _chrono.Total(SendLimit.SendBuffer, now),
            };
        }
    }

    private TcpCongestionState CongestionStateLocked() =>
        _retransmits > 0 && _sender.SndUna != _sender.SndMax ? TcpCongestionState.Loss
        : _inRecovery ? TcpCongestionState.Recovery
        : _ecnInCwr ? TcpCongestionState.Cwr
        : _scoreboard.Count > 0 || _dupAcks > 0 ? TcpCongestionState.Disorder
        : TcpCongestionState.Open;

    /// <summary>
    /// Switches the congestion control (Linux TCP_CONGESTION): an unknown name throws <see cref="ArgumentException"/>;
    /// the new controller starts from the initial window (RFC 6928), as after a restart.
    /// </summary>
    public void SetCongestionControl(string name)
    {
        ICongestionControl congestion = CongestionControlFactory.Create(name, _options);
        lock (_lock)
        {
            if (_state is not (TcpConnectionState.Closed or TcpConnectionState.Listen or TcpConnectionState.SynSent or TcpConnectionState.SynReceived))
            {
                congestion.Init((uint)_sender.Mss, _host.Now);
            }
            _congestion = congestion;
        }
    }

    /// <summary>The congestion control's name as Linux spells it (<c>cubic</c>, <c>reno</c>).</summary>
    public string CongestionControlName => _congestion.Name;

    /// <summary>Applies changed options: arms or disarms the keepalive timer, and sends what the options now allow (after <see cref="TcpEndpointOptions.NoDelay"/> was set, say).</summary>
    public void OptionsChanged() => OptionsChanged(push: false);

    /// <summary>
    /// As <see cref="OptionsChanged()"/>; with <paramref name="push"/> what is queued goes now even while corked
    /// (setting TCP_NODELAY does that in Linux: tcp(7) "forces an explicit flush of pending output").
    /// </summary>
    internal void OptionsChanged(bool push)
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            _signals |= Signals.Write; // a raised not-sent watermark may let a waiting write go on
            if (_options.KeepAlive && _state is TcpConnectionState.Established or TcpConnectionState.CloseWait)
            {
                _deadlines[(int)TimerKind.Keepalive] = _lastReceived + _options.KeepAliveTime;
            }
            else
            {
                _deadlines[(int)TimerKind.Keepalive] = Never;
            }
            if (push)
            {
                OutputWith(TcpNagleMode.Push);
            }
            else
            {
                Output();
            }
            signals = Leave();
        }
        Deliver(signals);
    }

    /// <summary>
    /// ICMP feedback (Linux tcp_v4_err): only for a quoted sequence number we have outstanding (RFC
    /// 5927 §4.1). Packet-too-big lowers the MSS and resends; port/protocol unreachable refuses a
    /// connection still in SYN-SENT; the other errors are soft and only name a later timeout.
    /// </summary>
    internal void HandleError(in TransportErrorInfo error)
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            var quoted = new SeqNumber(error.QuotedSequence);
            bool outstanding = _state == TcpConnectionState.SynSent ? quoted == _sender.Iss : quoted >= _sender.SndUna && quoted < _sender.SndMax;
            if (outstanding)
            {
                switch (error.Kind)
                {
                    case TransportErrorKind.PacketTooBig when error.Mtu > 0 && (_options.DontFragment || _id.RemoteAddress.IsV6):
                        int ipHeader = _id.RemoteAddress.IsV6 ? 40 : 20;
                        int mss = Math.Max(error.Mtu - ipHeader - TcpSegment.MinHeaderLength - (_timestamps ? 12 : 0), 64);
                        if (mss < _sender.Mss)
                        {
                            _sender.Mss = mss;
                            _route = _route with { Mtu = Math.Min(_route.Mtu, error.Mtu) };
                            if (IsSynchronized && _sender.SndUna != _sender.SndMax)
                            {
                                _sender.SndNxt = _sender.SndUna; // resend what the path dropped, in smaller segments
                                Output();
                            }
                        }
                        break;
                    case TransportErrorKind.PortUnreachable or TransportErrorKind.ProtocolUnreachable when _state == TcpConnectionState.SynSent:
                        Terminate(SocketError.ConnectionRefused, TcpConnectionState.Closed);
                        break;
                    // RFC 1122 §4.2.3.9 calls a net or host unreachable soft, but RFC 5461 §4 lets a connection attempt
                    // abort on it, and Linux does (tcp_v4_err in SYN-SENT): connect fails at once with "no route to host".
                    case TransportErrorKind.DestinationUnreachable when _state == TcpConnectionState.SynSent:
                        Terminate(SocketError.HostUnreachable, TcpConnectionState.Closed);
                        break;
                    case TransportErrorKind.DestinationUnreachable or TransportErrorKind.TimeExceeded:
                        _softError = error.Kind == TransportErrorKind.TimeExceeded ? SocketError.TimedOut : SocketError.HostUnreachable;
                        break;
                }
            }
            signals = Leave();
        }
        Deliver(signals);
    }

    private SocketError _softError;
}
