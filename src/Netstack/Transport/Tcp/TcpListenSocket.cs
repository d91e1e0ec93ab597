using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// A passive open (RFC 9293 LISTEN): answers SYNs by creating child endpoints in SYN-RECEIVED and
/// queues them once established until the application accepts. The backlog bounds half-open plus
/// not-yet-accepted children; a SYN beyond it is dropped (Linux ListenOverflows/ListenDrops).
/// </summary>
internal sealed class TcpListenSocket
{
    private readonly Lock _lock = new();
    private readonly Queue<TcpEndpoint> _acceptQueue = new();
    private readonly TcpProtocol _protocol;
    private int _halfOpen;
    private TimeSpan? _cookiesSentAt;
    private bool _closed;

    internal TcpListenSocket(TcpProtocol protocol, NetAddress local, ushort port, int backlog, TcpEndpointOptions options)
    {
        _protocol = protocol;
        LocalAddress = local;
        Port = port;
        Backlog = Math.Max(1, backlog);
        Options = options;
    }

    public NetAddress LocalAddress { get; }

    public ushort Port { get; }

    public int Backlog { get; }

    /// <summary>Options each accepted connection starts from.</summary>
    public TcpEndpointOptions Options { get; }

    public TcpWaiter AcceptWaiter { get; } = new();

    /// <summary>Established children waiting for accept (readiness for poll).</summary>
    internal int PendingAccepts
    {
        get
        {
            lock (_lock)
            {
                return _acceptQueue.Count;
            }
        }
    }

    /// <summary>RFC 9293 §3.10.7.2: LISTEN state.</summary>
    internal void HandleSegment(in FourTuple id, in TcpSegment seg, PacketBuffer packet, in TransmitContext tx)
    {
        if ((seg.Flags & TcpFlags.Rst) != 0)
        {
            return;
        }
        if ((seg.Flags & TcpFlags.Ack) != 0)
        {
            if ((seg.Flags & TcpFlags.Syn) == 0 && _cookiesSentAt is TimeSpan sent
                && _protocol.Host.Now - sent < SynCookies.CounterPeriod * SynCookies.MaxAge)
            {
                CookieAckArrives(id, seg, packet, tx);
                return;
            }
            _protocol.SendResetForNoEndpoint(id, seg, tx);
            return;
        }
        if ((seg.Flags & TcpFlags.Syn) == 0)
        {
            return;
        }
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            if (_halfOpen + _acceptQueue.Count >= Backlog)
            {
                if (_protocol.SynCookiesEnabled && _acceptQueue.Count < Backlog)
                {
                    _cookiesSentAt = _protocol.Host.Now;
                }
                else
                {
                    TcpStatistics.Increment(ref _protocol.Statistics.ListenOverflows);
                    TcpStatistics.Increment(ref _protocol.Statistics.ListenDrops);
                    return;
                }
                goto cookie;
            }
            _halfOpen++;
        }
        if (!_protocol.Host.TryFindRoute(id.RemoteAddress, out RouteInfo route))
        {
            Release();
            return;
        }
        TcpEndpoint child = _protocol.CreateEndpoint(Options);
        child.SetIdentity(id);
        if (!_protocol.TryRegister(child))
        {
            Release();
            return;
        }
        child.AcceptSyn(this, id, seg, route, tx);
        return;

    cookie:
        SendCookieSynAck(id, seg, tx);

        void Release()
        {
            lock (_lock)
            {
                _halfOpen--;
            }
        }
    }

    /// <summary>A child finished the handshake (called under the child's lock). False when the listener closed.</summary>
    internal bool OnChildEstablished(TcpEndpoint child, bool countedHalfOpen = true)
    {
        lock (_lock)
        {
            if (countedHalfOpen)
            {
                _halfOpen--;
            }
            if (_closed)
            {
                return false;
            }
            _acceptQueue.Enqueue(child);
            return true;
        }
    }

    /// <summary>A half-open child died (called under the child's lock).</summary>
    internal void OnChildGone(TcpEndpoint child, bool wasHalfOpen)
    {
        _ = child;
        if (wasHalfOpen)
        {
            lock (_lock)
            {
                _halfOpen--;
            }
        }
    }

    /// <summary>Dequeues an established child; null with Success means "none yet" (waiter armed when asked).</summary>
    public TcpEndpoint? TryAccept(bool armWaiter, out SocketError error)
    {
        lock (_lock)
        {
            error = SocketError.Success;
            if (_acceptQueue.TryDequeue(out TcpEndpoint? child))
            {
                return child;
            }
            if (_closed)
            {
                error = SocketError.OperationAborted;
                return null;
            }
            if (armWaiter)
            {
                AcceptWaiter.Arm();
            }
            return null;
        }
    }

    /// <summary>Stops listening; children not yet accepted are reset.</summary>
    public void Close()
    {
        TcpEndpoint[] pending;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            pending = _acceptQueue.ToArray();
            _acceptQueue.Clear();
        }
        _protocol.RemoveListener(this);
        foreach (TcpEndpoint child in pending)
        {
            child.Abort();
        }
        AcceptWaiter.Signal();
    }

    /// <summary>
    /// A stateless SYN-ACK whose ISN is a SYN cookie (Linux <c>cookie_v4_init_sequence</c>); the
    /// options that do not fit the cookie ride in the TSval when the client sent timestamps.
    /// </summary>
    private void SendCookieSynAck(in FourTuple id, in TcpSegment syn, in TransmitContext tx)
    {
        if (!_protocol.Host.TryFindRoute(id.RemoteAddress, out RouteInfo route))
        {
            return;
        }
        TcpStatistics.Increment(ref _protocol.Statistics.SyncookiesSent);
        ushort offered = syn.Mss != 0 ? syn.Mss : (ushort)536;
        uint cookie = _protocol.Cookies.CreateCookie(id, syn.Seq, offered, SynCookies.Counter(_protocol.Host.Now), out _);
        TcpSegment h = default;
        h.WindowScale = -1;
        h.SourcePort = id.LocalPort;
        h.DestinationPort = id.RemotePort;
        h.Seq = new SeqNumber(cookie);
        h.Ack = syn.Seq + 1;
        h.Flags = TcpFlags.Syn | TcpFlags.Ack;
        h.Window = (ushort)Math.Min(Options.ReceiveBufferSize, ushort.MaxValue);
        h.Mss = (ushort)TcpEndpoint.AdvertisedMss(route, id.RemoteAddress, Options);
        if (syn.HasTimestamp && Options.Timestamps)
        {
            bool scale = Options.WindowScaling && syn.WindowScale >= 0;
            bool sack = Options.Sack && syn.SackPermitted;
            bool ecn = Options.Ecn != TcpEcnMode.Disabled && TcpEndpoint.IsEcnSetupSyn(syn);
            h.HasTimestamp = true;
            h.TsVal = SynCookies.EncodeTimestampOptions(_protocol.TimestampClock + _protocol.TimestampOffset(id), scale ? syn.WindowScale : null, sack, ecn);
            h.TsEcr = syn.TsVal;
            h.SackPermitted = sack;
            h.WindowScale = scale ? Options.WindowShift : -1;
            if (ecn)
            {
                h.Flags |= TcpFlags.Ece; // RFC 3168 §6.1.1: an ECN-setup SYN-ACK
            }
        }
        PacketBuffer packet = _protocol.Host.Pool.Rent(0);
        h.Write(packet.Prepend(h.ComputeHeaderLength()));
        TcpProtocol.FinishChecksum(packet, id.LocalAddress, id.RemoteAddress, route, 0);
        TcpStatistics.Increment(ref _protocol.Statistics.OutSegs);
        _protocol.Host.Send(packet, id.LocalAddress, id.RemoteAddress, route, tx, typeOfService: Options.TypeOfService, dontFragment: Options.DontFragment);
    }

    /// <summary>The third segment of a cookie handshake: validate, then create the connection already ESTABLISHED.</summary>
    private void CookieAckArrives(in FourTuple id, in TcpSegment seg, PacketBuffer packet, in TransmitContext tx)
    {
        uint now64 = SynCookies.Counter(_protocol.Host.Now);
        if (!_protocol.Cookies.TryValidateCookie(id, seg.Seq - 1, seg.Ack.Value - 1, now64, out ushort mss))
        {
            TcpStatistics.Increment(ref _protocol.Statistics.SyncookiesFailed);
            _protocol.SendResetForNoEndpoint(id, seg, tx);
            return;
        }
        int? peerShift = null;
        bool sack = false;
        bool ecn = false;
        bool timestamps = seg.HasTimestamp && Options.Timestamps
            && SynCookies.TryDecodeTimestampOptions(seg.TsEcr, out peerShift, out sack, out ecn);
        lock (_lock)
        {
            if (_closed || _acceptQueue.Count >= Backlog)
            {
                TcpStatistics.Increment(ref _protocol.Statistics.ListenOverflows);
                return;
            }
        }
        if (!_protocol.Host.TryFindRoute(id.RemoteAddress, out RouteInfo route))
        {
            return;
        }
        TcpStatistics.Increment(ref _protocol.Statistics.SyncookiesRecv);
        TcpEndpoint child = _protocol.CreateEndpoint(Options);
        child.SetIdentity(id);
        if (!_protocol.TryRegister(child))
        {
            return;
        }
        child.AcceptCookie(this, seg, route, mss, timestamps ? peerShift : null, timestamps && sack, timestamps, timestamps && ecn, tx);
        if (seg.PayloadLength > 0 || (seg.Flags & TcpFlags.Fin) != 0)
        {
            child.HandleSegment(seg, packet, tx);
        }
    }
}
