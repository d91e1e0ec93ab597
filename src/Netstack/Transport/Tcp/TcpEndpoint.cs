using Netstack.Stack;
using System.Net.Sockets;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

// Theory of operation
// -------------------
// A TcpEndpoint is one connection. Its sequence variables are named as in RFC 9293 §3.3.1:
//   SND.UNA  _sndUna   oldest unacknowledged sequence number; offset 0 of the send buffer once the
//                      SYN is acknowledged
//   SND.NXT  _sndNxt   next sequence number to send; rewound to SND.UNA by a retransmission timeout
//                      (go-back-N), so _sndMax remembers the highest ever sent
//   SND.WND  _sndWnd   the peer's window, already scaled (RFC 7323 §2)
//   SND.WL1/WL2        segment seq/ack used for the last window update
//   RCV.NXT  _rcvNxt   next sequence number expected
//   RCV.WND            derived: _rcvAdvertised (the right edge we last announced) - RCV.NXT; the
//                      edge never moves left (RFC 9293 §3.8.6.2.2)
// Data flow: the application copies into the TcpSendBuffer; Output builds segments from it into
// pooled packet buffers (header prepended into headroom) and hands them to the host. Inbound
// segments are validated by TcpProtocol, demultiplexed by four-tuple and processed by Input under
// the endpoint lock (one function per RFC 9293 §3.10.7 step); in-order payloads are queued as the
// packet buffers themselves, out-of-order ones go to TcpReassembly.
// Timers: one host timer per endpoint, armed for the earliest of five deadlines: retransmission
// (RFC 6298), delayed ACK, persist (zero-window probe), keepalive and TIME_WAIT/FIN_WAIT_2.
// Application wake-ups (readable, writable, connected, closed, accept) are collected as flags
// under the lock and delivered after releasing it, so no continuation ever runs under a TCP lock.

/// <summary>
/// One TCP connection: the RFC 9293 state machine, its buffers and timers. Everything is guarded by
/// one lock per endpoint; the public surface for applications is <c>Netstack.Sockets.TcpConnection</c>.
/// </summary>
public sealed partial class TcpEndpoint
{
    private static readonly TimeSpan Never = TimeSpan.MaxValue;

    private readonly Lock _lock = new();
    private readonly TcpProtocol _protocol;
    private readonly ITcpHost _host;
    private readonly object _timer;
    private readonly TcpEndpointOptions _options;
    private readonly TcpSendBuffer _send = new();
    private readonly TcpReceiveQueue _receive = new();
    private readonly TcpReassembly _reassembly = new();

    private TcpState _state;
    private FourTuple _id;
    private RouteInfo _route;
    private bool _registered;
    private bool _portReserved;
    private TcpListenSocket? _listener;
    private SocketError _error;

    // Send sequence space.
    private SeqNumber _iss;
    private SeqNumber _sndUna;
    private SeqNumber _sndNxt;
    private SeqNumber _sndMax;
    private SeqNumber _sndWl1;
    private SeqNumber _sndWl2;
    private uint _sndWnd;
    private uint _maxSndWnd;
    private int _sndWndShift;
    private bool _finQueued;
    private bool _finAcked;

    // Receive sequence space.
    private SeqNumber _irs;
    private SeqNumber _rcvNxt;
    private SeqNumber _rcvAdvertised;
    private SeqNumber _lastAckSent;
    private int _rcvWndShift;
    private bool _finReceived;
    private bool _pendingFin;
    private SeqNumber _pendingFinSeq;

    // Negotiated options.
    private int _advertisedMss;
    private int _sendMss;           // payload bytes per segment, options excluded
    private bool _windowScaling;
    private bool _timestamps;
    private bool _sack;
    private uint _tsOffset;
    private uint _tsRecent;
    private bool _hasDsack;
    private SackBlock _dsack;

    /// <summary>Readers wait here (data, FIN, error).</summary>
    public TcpWaiter ReadWaiter { get; } = new();

    /// <summary>Writers and connecters wait here (space, established, error).</summary>
    public TcpWaiter WriteWaiter { get; } = new();

    internal TcpEndpoint(TcpProtocol protocol, TcpEndpointOptions options)
    {
        _protocol = protocol;
        _host = protocol.Host;
        _options = options;
        _timer = _host.CreateTimer(static s => ((TcpEndpoint)s!).OnTimer(), this);
        _deadlines = new TimeSpan[(int)TimerKind.Count];
        Array.Fill(_deadlines, Never);
        _scheduledAt = Never;
        _tsOffset = protocol.NextRandom();
        _rtt = new RttEstimator(options.InitialRto, options.MinRto, options.MaxRto);
        _congestion = CreateCongestionControl(options.CongestionControl);
    }

    public TcpState State => _state;

    public FourTuple Id => _id;

    public TcpEndpointOptions Options => _options;

    /// <summary>The error that ended the connection, or Success.</summary>
    public SocketError Error => _error;

    internal TcpProtocol Protocol => _protocol;

    private TcpStatistics Stats => _protocol.Statistics;

    private bool IsSynchronized => _state is not (TcpState.Closed or TcpState.Listen or TcpState.SynSent);

    // ---- Active open ---------------------------------------------------------------------------

    /// <summary>Starts an active open (RFC 9293 §3.10.1); completion is signalled on <see cref="WriteWaiter"/>.</summary>
    internal SocketError Connect(NetAddress remote, ushort remotePort, NetAddress local, ushort localPort)
    {
        lock (_lock)
        {
            if (!_host.TryFindRoute(remote, out _route))
            {
                return SocketError.NetworkUnreachable;
            }
            if (local.IsUnspecified)
            {
                local = _route.LocalAddress;
            }
            if (localPort == 0)
            {
                localPort = _host.ReserveEphemeralPort(local, remote, remotePort);
                if (localPort == 0)
                {
                    return SocketError.AddressNotAvailable;
                }
            }
            else if (!_host.TryReservePort(local, localPort))
            {
                return SocketError.AddressAlreadyInUse;
            }
            _portReserved = true;
            _id = new FourTuple(local, localPort, remote, remotePort);
            if (!_protocol.TryRegister(this))
            {
                _host.ReleasePort(local, localPort);
                _portReserved = false;
                return SocketError.AddressAlreadyInUse;
            }
            _registered = true;
            _iss = _protocol.NewIsn(_id);
            _sndUna = _iss;
            _sndSmallEnd = _iss;
            _sndNxt = _iss;
            _sndMax = _iss;
            _recover = _iss;
            _advertisedMss = MssForRoute();
            _sendMss = 536;
            _rcvWndShift = _options.WindowScaling ? ShiftFor(_options.ReceiveBufferSize) : 0;
            SetState(TcpState.SynSent);
            TcpStatistics.Increment(ref Stats.ActiveOpens);
            SendSyn();
            Leave();
        }
        return SocketError.Success;
    }

    /// <summary>Connection outcome for a waiting connecter: Success once established, the error once failed, IOPending otherwise.</summary>
    public SocketError PollConnect(bool armWaiter)
    {
        lock (_lock)
        {
            if (_state is TcpState.SynSent or TcpState.SynReceived)
            {
                if (armWaiter)
                {
                    WriteWaiter.Arm();
                }
                return SocketError.IOPending;
            }
            if (_error != SocketError.Success)
            {
                return _error;
            }
            return _state == TcpState.Closed ? SocketError.NotConnected : SocketError.Success;
        }
    }

    // ---- Passive open --------------------------------------------------------------------------

    /// <summary>Creates the child of a listener for a SYN (RFC 9293 §3.10.7.2) and answers SYN-ACK.</summary>
    internal void AcceptSyn(TcpListenSocket? listener, in FourTuple id, in TcpSegment syn, in RouteInfo route)
    {
        lock (_lock)
        {
            _listener = listener;
            _id = id;
            _route = route;
            _iss = _protocol.NewIsn(id);
            _sndUna = _iss;
            _sndSmallEnd = _iss;
            _sndNxt = _iss;
            _sndMax = _iss;
            _recover = _iss;
            _irs = syn.Seq;
            _rcvNxt = syn.Seq + 1;
            _advertisedMss = MssForRoute();
            NegotiateSynOptions(syn, _options.WindowScaling);
            _sndWnd = syn.Window;   // RFC 7323 §2.2: the window in a SYN is never scaled
            _maxSndWnd = _sndWnd;
            _sndWl1 = syn.Seq;
            _sndWl2 = _iss;
            if (_timestamps)
            {
                _tsRecent = syn.TsVal;
            }
            SetState(TcpState.SynReceived);
            _registered = true;
            TcpStatistics.Increment(ref Stats.PassiveOpens);
            SendSyn();
            Leave();
        }
    }

    /// <summary>
    /// A connection rebuilt from a valid SYN-cookie ACK: ISS = SEG.ACK - 1, IRS = SEG.SEQ - 1, the MSS
    /// from the cookie and the other options from the echoed timestamp (or none).
    /// </summary>
    internal void AcceptCookie(TcpListenSocket listener, in TcpSegment ack, in RouteInfo route, ushort mss, int? peerShift, bool sack, bool timestamps)
    {
        Signals signals;
        lock (_lock)
        {
            _listener = listener;
            _route = route;
            _iss = ack.Ack - 1;
            _sndUna = ack.Ack;
            _sndNxt = ack.Ack;
            _sndMax = ack.Ack;
            _sndSmallEnd = ack.Ack;
            _recover = ack.Ack;
            _irs = ack.Seq - 1;
            _rcvNxt = ack.Seq;
            _lastAckSent = ack.Seq;
            _advertisedMss = MssForRoute();
            _windowScaling = peerShift is not null && _options.WindowScaling;
            _sndWndShift = _windowScaling ? peerShift!.Value : 0;
            _rcvWndShift = _windowScaling ? ShiftFor(_options.ReceiveBufferSize) : 0;
            _timestamps = timestamps;
            _sack = sack && _options.Sack;
            _sendMss = Math.Max(64, Math.Min(mss, _advertisedMss) - (_timestamps ? 12 : 0));
            if (_timestamps)
            {
                _tsRecent = ack.TsVal;
                _tsOffset = 0; // the cookie's TSval was sent on the bare clock
            }
            _rcvAdvertised = _rcvNxt + (uint)Math.Min(_options.ReceiveBufferSize, ushort.MaxValue);
            _sndWnd = (uint)ack.Window << _sndWndShift;
            _maxSndWnd = _sndWnd;
            _sndWl1 = ack.Seq;
            _sndWl2 = ack.Ack;
            _registered = true;
            TcpStatistics.Increment(ref Stats.PassiveOpens);
            EnterEstablished(countedHalfOpen: false);
            signals = Leave();
        }
        Deliver(signals);
    }

    private void NegotiateSynOptions(in TcpSegment syn, bool weScale)
    {
        int mssCap = _advertisedMss;
        _sendMss = Math.Min(syn.Mss != 0 ? syn.Mss : 536, mssCap);
        _windowScaling = weScale && syn.WindowScale >= 0;
        _sndWndShift = _windowScaling ? syn.WindowScale : 0;
        if (!_windowScaling)
        {
            _rcvWndShift = 0;
        }
        else if (_state != TcpState.SynSent)
        {
            _rcvWndShift = ShiftFor(_options.ReceiveBufferSize);
        }
        _timestamps = _options.Timestamps && syn.HasTimestamp;
        _sack = _options.Sack && syn.SackPermitted;
        if (_timestamps)
        {
            _sendMss -= 12;
        }
        _sendMss = Math.Max(_sendMss, 64);
    }

    internal static int ShiftFor(int bufferSize)
    {
        int shift = 0;
        while (shift < 14 && (bufferSize >> shift) > ushort.MaxValue)
        {
            shift++;
        }
        return shift;
    }

    private int MssForRoute()
    {
        int ipHeader = _id.RemoteAddress.IsV6 ? 40 : 20;
        return Math.Clamp(_route.Mtu - ipHeader - TcpSegment.MinHeaderLength, 64, ushort.MaxValue);
    }

    // ---- Application data ----------------------------------------------------------------------

    /// <summary>
    /// Copies as much of <paramref name="data"/> as the send buffer takes and sends what the window
    /// allows. Returns the byte count; 0 with <paramref name="error"/> Success means "full, wait"
    /// (the write waiter is armed when <paramref name="armWaiter"/>).
    /// </summary>
    public int Send(ReadOnlySpan<byte> data, bool armWaiter, out SocketError error)
    {
        Signals signals;
        int written = 0;
        lock (_lock)
        {
            error = SocketError.Success;
            if (_error != SocketError.Success)
            {
                error = _error;
            }
            else if (_finQueued)
            {
                error = SocketError.Shutdown;
            }
            else if (_state is TcpState.SynSent or TcpState.SynReceived)
            {
                if (armWaiter)
                {
                    WriteWaiter.Arm();
                }
            }
            else if (_state is not (TcpState.Established or TcpState.CloseWait))
            {
                error = SocketError.NotConnected;
            }
            else
            {
                written = _send.Write(data, _options.SendBufferSize);
                if (written > 0)
                {
                    Output();
                }
                else if (armWaiter && !data.IsEmpty)
                {
                    WriteWaiter.Arm();
                }
            }
            signals = Leave();
        }
        Deliver(signals);
        return written;
    }

    /// <summary>
    /// Copies received data out. Returns the count (&gt; 0); 0 means end of stream when
    /// <paramref name="endOfStream"/>, otherwise nothing yet (reader armed when asked) or an error.
    /// </summary>
    public int Receive(Span<byte> destination, bool armWaiter, out bool endOfStream, out SocketError error)
    {
        Signals signals;
        int read;
        lock (_lock)
        {
            error = SocketError.Success;
            endOfStream = false;
            read = _receive.Read(destination);
            if (read > 0)
            {
                MaybeSendWindowUpdate();
            }
            else if (destination.IsEmpty)
            {
                // A zero-byte read just reports the state.
            }
            else if (_finReceived)
            {
                endOfStream = true;
            }
            else if (_error != SocketError.Success)
            {
                error = _error;
            }
            else if (_state is TcpState.Closed)
            {
                endOfStream = true;
            }
            else if (armWaiter)
            {
                ReadWaiter.Arm();
            }
            signals = Leave();
        }
        Deliver(signals);
        return read;
    }

    /// <summary>Bytes waiting to be read.</summary>
    public long Available
    {
        get
        {
            lock (_lock)
            {
                return _receive.Bytes;
            }
        }
    }

    /// <summary>Half-close: queue a FIN after the buffered data (RFC 9293 §3.10.4).</summary>
    public void Shutdown()
    {
        Signals signals;
        lock (_lock)
        {
            ShutdownLocked();
            signals = Leave();
        }
        Deliver(signals);
    }

    private void ShutdownLocked()
    {
        if (_finQueued)
        {
            return;
        }
        switch (_state)
        {
            case TcpState.SynSent:
                Terminate(SocketError.OperationAborted, TcpState.Closed);
                return;
            case TcpState.SynReceived:
            case TcpState.Established:
                _finQueued = true;
                SetState(TcpState.FinWait1);
                break;
            case TcpState.CloseWait:
                _finQueued = true;
                SetState(TcpState.LastAck);
                break;
            default:
                return;
        }
        if (_state == TcpState.FinWait1 && _sndUna == _iss)
        {
            return; // still in SYN-RECEIVED: the FIN goes out once our SYN is acknowledged
        }
        Output();
    }

    /// <summary>
    /// The application is done with the connection: graceful close (FIN) unless unread data or
    /// linger-zero makes it abortive (RST, RFC 9293 §3.10.4 and Linux tcp_close).
    /// </summary>
    public void Close()
    {
        Signals signals;
        lock (_lock)
        {
            _appClosed = true;
            if (_state is TcpState.Closed or TcpState.TimeWait)
            {
                _receive.Clear();
            }
            else if (_options.LingerZero || !_receive.IsEmpty)
            {
                if (!_receive.IsEmpty)
                {
                    TcpStatistics.Increment(ref Stats.TCPAbortOnClose);
                }
                AbortLocked();
            }
            else
            {
                ShutdownLocked();
                if (_state == TcpState.FinWait2)
                {
                    SetDeadline(TimerKind.TimeWait, _options.FinWait2Timeout);
                }
            }
            signals = Leave();
        }
        Deliver(signals);
    }

    /// <summary>Abortive close: send RST and drop everything (RFC 9293 §3.10.5).</summary>
    public void Abort()
    {
        Signals signals;
        lock (_lock)
        {
            _appClosed = true;
            AbortLocked();
            signals = Leave();
        }
        Deliver(signals);
    }

    private void AbortLocked()
    {
        if (_state is TcpState.SynReceived or TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait)
        {
            SendReset(_sndNxt, withAck: false);
        }
        if (_state != TcpState.Closed)
        {
            Terminate(SocketError.ConnectionAborted, TcpState.Closed);
        }
    }

    private bool _appClosed;

    /// <summary>
    /// Ends the connection: everything is freed, the four-tuple unregistered, waiters woken.
    /// <paramref name="error"/> is what pending and later operations report.
    /// </summary>
    private void Terminate(SocketError error, TcpState finalState)
    {
        if (_state is TcpState.SynSent or TcpState.SynReceived && error != SocketError.Success && error != SocketError.OperationAborted)
        {
            TcpStatistics.Increment(ref Stats.AttemptFails);
        }
        if (_listener is not null)
        {
            _listener.OnChildGone(this, _state == TcpState.SynReceived);
            _listener = null;
        }
        if (_error == SocketError.Success)
        {
            _error = error;
        }
        SetState(finalState);
        for (int i = 0; i < _deadlines.Length; i++)
        {
            _deadlines[i] = Never;
        }
        _send.Clear();
        _reassembly.Clear();
        if (error != SocketError.Success)
        {
            _receive.Clear();
        }
        if (_registered)
        {
            _protocol.Unregister(this);
            _registered = false;
        }
        if (_portReserved)
        {
            _host.ReleasePort(_id.LocalAddress, _id.LocalPort);
            _portReserved = false;
        }
        _signals |= Signals.Read | Signals.Write;
    }

    /// <summary>Every state change goes through here so CurrEstab (ESTABLISHED + CLOSE-WAIT, as Linux counts) stays right.</summary>
    private void SetState(TcpState state)
    {
        bool was = _state is TcpState.Established or TcpState.CloseWait;
        bool now = state is TcpState.Established or TcpState.CloseWait;
        _state = state;
        if (was && !now)
        {
            Interlocked.Decrement(ref Stats.CurrEstab);
        }
        else if (now && !was)
        {
            Interlocked.Increment(ref Stats.CurrEstab);
        }
    }

    internal void SetIdentity(in FourTuple id) => _id = id;

    public override string ToString() => $"{_id.LocalAddress}:{_id.LocalPort} -> {_id.RemoteAddress}:{_id.RemotePort} {_state}";
}

/// <summary>Snapshots and option changes that need the lock.</summary>
public sealed partial class TcpEndpoint
{
    private long _retransmitCount;
    private long _sackBlocksReceived;
    private long _bytesSent;
    private long _bytesReceived;

    public TcpInfo GetInfo()
    {
        lock (_lock)
        {
            return new TcpInfo
            {
                State = _state,
                CongestionControl = _congestion.Name,
                CongestionWindow = _state is TcpState.SynSent or TcpState.SynReceived ? 0 : _congestion.CongestionWindow,
                SlowStartThreshold = _congestion.SlowStartThreshold,
                SmoothedRtt = _rtt.SmoothedRtt,
                RttVariance = _rtt.RttVariance,
                MinRtt = _rtt.MinRtt,
                Rto = _rtt.Rto,
                BytesInFlight = BytesInFlight,
                Retransmits = _retransmitCount,
                SackBlocksReceived = _sackBlocksReceived,
                SendMss = _sendMss,
                AdvertisedMss = _advertisedMss,
                SendWindow = _sndWnd,
                ReceiveWindow = (uint)Math.Max(0, _rcvAdvertised - _rcvNxt),
                SendWindowScale = _sndWndShift,
                ReceiveWindowScale = _rcvWndShift,
                Timestamps = _timestamps,
                Sack = _sack,
                BytesSent = _bytesSent,
                BytesReceived = _bytesReceived,
                SendBufferBytes = _send.Length,
                ReceiveQueueBytes = _receive.Bytes,
            };
        }
    }

    /// <summary>Applies changed keepalive options (arms or disarms the timer).</summary>
    public void OptionsChanged()
    {
        Signals signals;
        lock (_lock)
        {
            if (_options.KeepAlive && _state is TcpState.Established or TcpState.CloseWait)
            {
                _deadlines[(int)TimerKind.Keepalive] = _lastReceived + _options.KeepAliveTime;
            }
            else
            {
                _deadlines[(int)TimerKind.Keepalive] = Never;
            }
            Output();
            signals = Leave();
        }
        Deliver(signals);
    }
}
