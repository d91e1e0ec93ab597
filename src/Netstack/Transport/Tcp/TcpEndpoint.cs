using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

// Theory of operation
// -------------------
// A TcpEndpoint is one connection: it keeps the RFC 9293 state machine (opening, segment arrival one
// function per §3.10.7 step, FIN and TIME-WAIT, closing), the timers, loss recovery and the wiring,
// and composes the two halves of the data path, each a sealed class whose fields it uses directly:
//   TcpSender   (_sender)    the send sequence space, the send buffer or an attached ITcpSendSource (which
//                            is also the retransmission queue), the window update rule, and what may go now
//   TcpReceiver (_receiver)  the receive sequence space, the receive and reassembly queues, the offered
//                            window, the ACK owed (delayed or now), SACK/D-SACK blocks to report, TS.Recent
// The sequence variables are named as in RFC 9293 §3.3.1:
//   SND.UNA  _sender.SndUna     oldest unacknowledged sequence number; offset 0 of the send source once
//                               the SYN is acknowledged
//   SND.NXT  _sender.SndNxt     next sequence number to send; rewound to SND.UNA by a retransmission timeout
//                               (go-back-N), so _sender.SndMax remembers the highest ever sent; pure ACKs and
//                               RSTs carry SndMax so the peer never sees them as old
//   SND.WND  _sender.SndWnd     the peer's window, already scaled (RFC 7323 §2)
//   SND.WL1/WL2                 segment seq/ack used for the last window update (_sender.UpdateWindow)
//   RCV.NXT  _receiver.RcvNxt   next sequence number expected
//   RCV.WND  _receiver.Window   derived: _receiver.WindowEdge (the right edge we last announced) - RCV.NXT;
//                               the edge never moves left (RFC 9293 §3.8.6.2.2)
// Data flow out: the application copies into the TcpSendBuffer (or a forwarder attaches another
// ITcpSendSource, e.g. a host socket's receive queue); Output (and the loss recovery in force) asks the
// sender how long the next segment may be (windows, Nagle, SWS avoidance), builds it from the source into
// a pooled packet buffer (header prepended into headroom, the receiver's ACK, window and SACK blocks in
// it) and queues it on the connection's TransmitQueue, written after the lock is released.
// Data flow in: segments are validated by TcpProtocol, demultiplexed by four-tuple and processed by
// Input under the endpoint lock; the receiver queues in-order payloads as the packet buffers themselves
// and out-of-order ones in TcpReassembly, and decides whether the ACK waits.
// Timers: one host timer per endpoint, armed for the earliest of seven deadlines (TimerKind):
// retransmission (RFC 6298), delayed ACK, persist (zero-window probe), keepalive, TIME-WAIT/FIN-WAIT-2,
// the tail loss probe (RFC 8985 §7) and the RACK reordering timer (RFC 8985 §6.3).
// Loss recovery: the endpoint decides when an episode starts and ends (DupThresh, RACK, full ACK,
// timeout, undo); an ILossRecovery decides what to send during one: SackLossRecovery (RFC 6675 +
// PRR, RFC 6937) when SACK is negotiated, NewRenoLossRecovery (RFC 6582) otherwise; TLP for tail
// losses, go-back-N after a timeout; congestion control behind ICongestionControl (CUBIC default,
// NewReno selectable, CongestionControlFactory).
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
    private readonly ITcpTimer _timer;
    private readonly TcpEndpointOptions _options;
    private readonly TransmitQueue _transmitQueue; // segments made under _lock wait here, in order, until it is released

    private TcpConnectionState _state;
    private FourTuple _id;
    private RouteInfo _route;
    private bool _registered;
    private PortHold _port;
    private TcpListenSocket? _listener;
    private SocketError _error;

    private readonly TcpSender _sender;     // the send sequence space, the send source, what may be sent now
    private readonly TcpReceiver _receiver; // the receive sequence space, queues, window, ACK and SACK policy

    // Negotiated options.
    private bool _windowScaling;
    private bool _timestamps;
    private bool _sack;
    private uint _tsOffset;

    /// <summary>Readers wait here (data, FIN, error).</summary>
    internal TcpWaiter ReadWaiter { get; } = new();

    /// <summary>Writers and connecters wait here (space, established, error).</summary>
    internal TcpWaiter WriteWaiter { get; } = new();

    internal TcpEndpoint(TcpProtocol protocol, TcpEndpointOptions options)
    {
        _protocol = protocol;
        _host = protocol.Host;
        _options = options;
        _timer = _host.CreateTimer(static s => ((TcpEndpoint)s!).OnTimer(), this);
        _transmitQueue = _host.CreateTransmitQueue();
        _deadlines = new TimeSpan[(int)TimerKind.Count];
        Array.Fill(_deadlines, Never);
        _scheduledAt = Never;
        _sender = new TcpSender();
        _receiver = new TcpReceiver(protocol, options);
        _rtt = new RttEstimator(options.InitialRto, options.MinRto, options.MaxRto);
        _congestion = CongestionControlFactory.Create(options.CongestionControl, options);
        _rack = new RackTlp(_minRtt);
        ReadWaiter.InlineCompletions = WriteWaiter.InlineCompletions = options.InlineCompletions;
    }

    /// <summary>The connection's state (RFC 9293 §3.3.2), read without the lock: a snapshot that may change at once.</summary>
    public TcpConnectionState State => _state;

    /// <summary>The four-tuple: local and remote address and port (default until the connection is opened).</summary>
    public FourTuple Id => _id;

    /// <summary>
    /// The options this connection uses, read as needed (the buffer sizes, Nagle, timeouts); call <see cref="OptionsChanged()"/>
    /// after changing the keepalive settings. The negotiated ones (window scaling, timestamps, SACK) count only at the handshake.
    /// </summary>
    public TcpEndpointOptions Options => _options;

    /// <summary>The error that ended the connection, or Success.</summary>
    public SocketError Error => _error;

    internal TcpProtocol Protocol => _protocol;

    private TcpStatistics Stats => _protocol.Statistics;

    private bool IsSynchronized => _state is not (TcpConnectionState.Closed or TcpConnectionState.Listen or TcpConnectionState.SynSent);

    // ---- Application data ----------------------------------------------------------------------

    /// <summary>An ordinary write: <see cref="Send(ReadOnlySpan{byte}, TcpWriteFlags, bool, out SocketError)"/> without flags.</summary>
    internal int Send(ReadOnlySpan<byte> data, bool armWaiter, out SocketError error) => Send(data, TcpWriteFlags.None, armWaiter, out error);

    /// <summary>
    /// Copies as much of <paramref name="data"/> as the send buffer takes and sends what the window
    /// allows. Returns the byte count; 0 with <paramref name="error"/> Success means "full, wait"
    /// (the write waiter is armed when <paramref name="armWaiter"/>). The end of what was taken is pushed unless
    /// <paramref name="flags"/> has <see cref="TcpWriteFlags.More"/>; it ends a record only when all of
    /// <paramref name="data"/> was taken (Linux sets MSG_EOR's mark on the last buffer of the whole message).
    /// </summary>
    internal int Send(ReadOnlySpan<byte> data, TcpWriteFlags flags, bool armWaiter, out SocketError error)
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        int written = 0;
        lock (_lock)
        {
            error = SocketError.Success;
            if (_appClosed)
            {
                error = SocketError.OperationAborted;
            }
            else if (_error != SocketError.Success)
            {
                error = _error;
            }
            else if (_sender.FinQueued)
            {
                error = SocketError.Shutdown;
            }
            else if (!_sender.UsesOwnBuffer)
            {
                error = SocketError.OperationNotSupported; // the attached source owns the byte stream
            }
            else if (_state is TcpConnectionState.SynSent or TcpConnectionState.SynReceived)
            {
                if (armWaiter)
                {
                    WriteWaiter.Arm();
                }
            }
            else if (_state is not (TcpConnectionState.Established or TcpConnectionState.CloseWait))
            {
                error = SocketError.NotConnected;
            }
            else
            {
                written = WriteWithinWatermark(data);
                NoteWrite(data.Length, written);
                if (written > 0)
                {
                    bool more = (flags & TcpWriteFlags.More) != 0;
                    bool record = (flags & TcpWriteFlags.EndOfRecord) != 0 && written == data.Length;
                    _sender.Marks.OnWrite(_sender.SndUna + (uint)_sender.Buffer.Length, push: !more, record, _sender.SndMax);
                    _moreFollows = more;
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
    internal int Receive(Span<byte> destination, bool armWaiter, out bool endOfStream, out SocketError error)
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        int read;
        lock (_lock)
        {
            error = SocketError.Success;
            endOfStream = false;
            read = _appClosed ? 0 : _receiver.Queue.Read(destination);
            if (_appClosed)
            {
                error = SocketError.OperationAborted;
            }
            else if (read > 0)
            {
                OnConsumedLocked(read);
            }
            else if (destination.IsEmpty)
            {
                // A zero-byte read just reports the state (TcpStream waits through ArmIfNothingToRead).
            }
            else if (_receiver.FinReceived)
            {
                endOfStream = true;
            }
            else if (_error != SocketError.Success)
            {
                error = _error;
            }
            else if (_state is TcpConnectionState.Closed)
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

    /// <summary>The application took <paramref name="read"/> bytes: feed the receive-buffer auto-tuner and maybe open the window.</summary>
    private void OnConsumedLocked(int read)
    {
        _receiver.OnRead(read, _rtt);
        MaybeSendWindowUpdate();
    }

    /// <summary>Bytes waiting to be read.</summary>
    public long Available
    {
        get
        {
            lock (_lock)
            {
                return _receiver.Queue.Bytes;
            }
        }
    }

    /// <summary>Half-close: queue a FIN after the buffered data (RFC 9293 §3.10.4).</summary>
    public void Shutdown()
    {
        using TransmitFlush flush = new(this);
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
        if (_sender.FinQueued)
        {
            return;
        }
        switch (_state)
        {
            case TcpConnectionState.SynSent:
                Terminate(SocketError.OperationAborted, TcpConnectionState.Closed);
                return;
            case TcpConnectionState.SynReceived:
            case TcpConnectionState.Established:
                _sender.FinQueued = true;
                SetState(TcpConnectionState.FinWait1);
                break;
            case TcpConnectionState.CloseWait:
                _sender.FinQueued = true;
                SetState(TcpConnectionState.LastAck);
                break;
            default:
                return;
        }
        if (_state == TcpConnectionState.FinWait1 && _sender.SndUna == _sender.Iss)
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
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            _appClosed = true;
            _signals |= Signals.Read | Signals.Write; // pending reads and writes end with OperationAborted
            if (_state is TcpConnectionState.Closed or TcpConnectionState.TimeWait)
            {
                _receiver.Queue.Clear();
            }
            else if (_options.LingerZero || !_receiver.Queue.IsEmpty)
            {
                if (!_receiver.Queue.IsEmpty)
                {
                    TcpStatistics.Increment(ref Stats.TCPAbortOnClose);
                }
                AbortLocked();
            }
            else
            {
                ShutdownLocked();
                if (_state == TcpConnectionState.FinWait2)
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
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            _appClosed = true;
            AbortLocked();
            signals = Leave();
        }
        Deliver(signals);
    }

    /// <summary>The stack is being disposed (<see cref="TcpProtocol.Dispose"/>): end without a segment and free everything held.</summary>
    internal void OnStackDisposed()
    {
        Signals signals;
        lock (_lock)
        {
            if (_state != TcpConnectionState.Closed)
            {
                Terminate(SocketError.ConnectionAborted, TcpConnectionState.Closed);
            }
            signals = Leave();
        }
        Deliver(signals);
    }

    private void AbortLocked()
    {
        if (_state is TcpConnectionState.SynReceived or TcpConnectionState.Established or TcpConnectionState.FinWait1 or TcpConnectionState.FinWait2 or TcpConnectionState.CloseWait)
        {
            SendAbortReset();
        }
        if (_state != TcpConnectionState.Closed)
        {
            Terminate(SocketError.ConnectionAborted, TcpConnectionState.Closed);
        }
    }

    private bool _appClosed;

    /// <summary>
    /// Ends the connection: everything is freed, the four-tuple unregistered, waiters woken.
    /// <paramref name="error"/> is what pending and later operations report.
    /// </summary>
    private void Terminate(SocketError error, TcpConnectionState finalState)
    {
        if (_state is TcpConnectionState.SynSent or TcpConnectionState.SynReceived && error != SocketError.Success && error != SocketError.OperationAborted)
        {
            TcpStatistics.Increment(ref Stats.AttemptFails);
        }
        if (_listener is not null)
        {
            _listener.OnChildGone(this, _state == TcpConnectionState.SynReceived);
            _listener = null;
        }
        if (_error == SocketError.Success)
        {
            _error = error;
        }
        if (_state != TcpConnectionState.Closed)
        {
            TcpLog.Ended(_protocol.Logger, _id, _state, error);
        }
        SetState(finalState);
        for (int i = 0; i < _deadlines.Length; i++)
        {
            _deadlines[i] = Never;
        }
        _sender.Source.Clear();
        _sender.Marks.Clear();
        _receiver.Reassembly.Clear();
        if (error != SocketError.Success)
        {
            _receiver.Queue.Clear();
        }
        if (_registered)
        {
            _protocol.Unregister(this);
            _registered = false;
        }
        ReleasePort();
        _signals |= Signals.Read | Signals.Write;
    }

    /// <summary>Every state change goes through here so CurrEstab (ESTABLISHED + CLOSE-WAIT, as Linux counts) stays right.</summary>
    private void SetState(TcpConnectionState state)
    {
        bool was = _state is TcpConnectionState.Established or TcpConnectionState.CloseWait;
        bool now = state is TcpConnectionState.Established or TcpConnectionState.CloseWait;
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

    /// <summary>The four-tuple and the state, for logs: <c>local:port -> remote:port State</c>.</summary>
    public override string ToString() => $"{_id.LocalAddress}:{_id.LocalPort} -> {_id.RemoteAddress}:{_id.RemotePort} {_state}";
}
