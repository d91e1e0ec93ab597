using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>Opening a connection: active open, passive open from a listener, and a SYN-cookie ACK.</summary>
public sealed partial class TcpEndpoint
{
    // ---- Active open ---------------------------------------------------------------------------

    /// <summary>Starts an active open (RFC 9293 §3.10.1); completion is signalled on <see cref="WriteWaiter"/>.</summary>
    internal SocketError Connect(NetAddress remote, ushort remotePort, NetAddress local, ushort localPort)
    {
        using TransmitFlush flush = new(this);
        SeqNumber? recycledSndNxt = null;
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
                // RFC 6056 §3.3.4: a port in use only for this four-tuple; the claim registers the connection.
                _id = new FourTuple(local, 0, remote, remotePort);
                if (_host.ReserveConnectionPort(this, local, remote, remotePort) == 0)
                {
                    if (!_protocol.TryRecycleTimeWait(local, remote, remotePort, out SeqNumber timeWaitSndNxt)
                        || _host.ReserveConnectionPort(this, local, remote, remotePort) == 0)
                    {
                        return SocketError.AddressNotAvailable;
                    }
                    recycledSndNxt = timeWaitSndNxt;
                }
                _port = PortHold.Connection;
            }
            else
            {
                if (!_host.TryReservePort(local, localPort))
                {
                    return SocketError.AddressAlreadyInUse;
                }
                _port = PortHold.Exclusive;
                _id = new FourTuple(local, localPort, remote, remotePort);
                if (!_protocol.TryRegister(this))
                {
                    ReleasePort();
                    return SocketError.AddressAlreadyInUse;
                }
                _registered = true;
            }
            // Linux tcp_twsk_unique: a recycled four-tuple starts a window beyond anything the old connection sent.
            SeqNumber iss = recycledSndNxt is SeqNumber old ? old + 65535 + 2 : _protocol.NewIsn(_id);
            _tsOffset = _protocol.TimestampOffset(_id);
            _sender.Start(iss, iss);
            _recover = _sender.Iss;
            _receiver.AdvertisedMss = MssForRoute();
            _sender.Mss = 536;
            _receiver.WindowShift = _options.WindowScaling ? _options.WindowShift : 0;
            SetState(TcpConnectionState.SynSent);
            TcpStatistics.Increment(ref Stats.ActiveOpens);
            SendSyn();
            Leave();
        }
        return SocketError.Success;
    }

    /// <summary>
    /// Offered a candidate local port during an active open (under <see cref="Connect"/>'s lock): registers this
    /// connection under the four-tuple with that port, false when another connection (TIME-WAIT included) has it.
    /// </summary>
    internal bool TryClaimLocalPort(ushort port)
    {
        _id = _id with { LocalPort = port };
        _registered = _protocol.TryRegister(this);
        return _registered;
    }

    /// <summary>Gives back the local port this connection holds, of whichever kind.</summary>
    private void ReleasePort()
    {
        switch (_port)
        {
            case PortHold.Exclusive:
                _host.ReleasePort(_id.LocalAddress, _id.LocalPort);
                break;
            case PortHold.Connection:
                _host.ReleaseConnectionPort(_id.LocalAddress, _id.LocalPort);
                break;
        }
        _port = PortHold.None;
    }

    /// <summary>Connection outcome for a waiting connecter: Success once established, the error once failed, IOPending otherwise.</summary>
    internal SocketError PollConnect(bool armWaiter)
    {
        lock (_lock)
        {
            if (_state is TcpConnectionState.SynSent or TcpConnectionState.SynReceived)
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
            return _state == TcpConnectionState.Closed ? SocketError.NotConnected : SocketError.Success;
        }
    }

    // ---- Passive open --------------------------------------------------------------------------

    /// <summary>Creates the child of a listener for a SYN (RFC 9293 §3.10.7.2) and answers SYN-ACK.</summary>
    internal void AcceptSyn(TcpListenSocket? listener, in FourTuple id, in TcpSegment syn, in RouteInfo route, in TransmitContext tx)
    {
        using TransmitFlush flush = new(this, tx);
        lock (_lock)
        {
            _listener = listener;
            _id = id;
            _route = route;
            SeqNumber iss = _protocol.NewIsn(id);
            _tsOffset = _protocol.TimestampOffset(id);
            _sender.Start(iss, iss);
            _recover = _sender.Iss;
            _receiver.Irs = syn.Seq;
            _receiver.RcvNxt = syn.Seq + 1;
            _receiver.AdvertisedMss = MssForRoute();
            NegotiateSynOptions(syn, _options.WindowScaling);
            NegotiateEcnOnSyn(syn);
            _sender.InitWindow(syn.Window, syn.Seq, _sender.Iss); // RFC 7323 §2.2: the window in a SYN is never scaled
            if (_timestamps)
            {
                _receiver.TsRecent = syn.TsVal;
                _receiver.TsRecentStamp = _host.Now;
            }
            SetState(TcpConnectionState.SynReceived);
            _registered = true;
            TcpStatistics.Increment(ref Stats.PassiveOpens);
            SendSyn();
            Leave();
        }
    }

    /// <summary>
    /// A connection rebuilt from a valid SYN-cookie ACK: ISS = SEG.ACK - 1, IRS = SEG.SEQ - 1, the MSS
    /// from the cookie and the other options (ECN among them) from the echoed timestamp (or none).
    /// </summary>
    internal void AcceptCookie(TcpListenSocket listener, in TcpSegment ack, in RouteInfo route, ushort mss, int? peerShift, bool sack, bool timestamps, bool ecn, in TransmitContext tx)
    {
        using TransmitFlush flush = new(this, tx);
        Signals signals;
        lock (_lock)
        {
            _listener = listener;
            _route = route;
            _sender.Start(ack.Ack - 1, ack.Ack);
            _recover = ack.Ack;
            _receiver.Irs = ack.Seq - 1;
            _receiver.RcvNxt = ack.Seq;
            _receiver.LastAckSent = ack.Seq;
            _receiver.AdvertisedMss = MssForRoute();
            _windowScaling = peerShift is not null && _options.WindowScaling;
            _sender.WindowShift = _windowScaling ? peerShift!.Value : 0;
            _receiver.WindowShift = _windowScaling ? _options.WindowShift : 0;
            _timestamps = timestamps;
            _sack = sack && _options.Sack;
            NegotiateEcnFromCookie(ecn);
            _sender.Mss = Math.Max(64, Math.Min(mss, _receiver.AdvertisedMss) - (_timestamps ? 12 : 0));
            if (_timestamps)
            {
                _receiver.TsRecent = ack.TsVal;
                _receiver.TsRecentStamp = _host.Now;
                _tsOffset = _protocol.TimestampOffset(_id); // the cookie's TSval was sent on the same clock
            }
            _receiver.WindowEdge = _receiver.RcvNxt + (uint)Math.Min(_options.ReceiveBufferSize, ushort.MaxValue);
            _sender.InitWindow((uint)ack.Window << _sender.WindowShift, ack.Seq, ack.Ack);
            _registered = true;
            TcpStatistics.Increment(ref Stats.PassiveOpens);
            EnterEstablished(countedHalfOpen: false);
            signals = Leave();
        }
        Deliver(signals);
    }

    private void NegotiateSynOptions(in TcpSegment syn, bool weScale)
    {
        int mssCap = _receiver.AdvertisedMss;
        _sender.Mss = Math.Min(syn.Mss != 0 ? syn.Mss : 536, mssCap);
        _windowScaling = weScale && syn.WindowScale >= 0;
        _sender.WindowShift = _windowScaling ? syn.WindowScale : 0;
        if (!_windowScaling)
        {
            _receiver.WindowShift = 0;
        }
        else if (_state != TcpConnectionState.SynSent)
        {
            _receiver.WindowShift = _options.WindowShift;
        }
        _timestamps = _options.Timestamps && syn.HasTimestamp;
        _sack = _options.Sack && syn.SackPermitted;
        if (_timestamps)
        {
            _sender.Mss -= 12;
        }
        _sender.Mss = Math.Max(_sender.Mss, 64);
    }

    private int MssForRoute() => AdvertisedMss(_route, _id.RemoteAddress, _options);

    /// <summary>
    /// The MSS we announce (RFC 9293 §3.7.1): the route's MTU less the IP and TCP headers, clamped to the
    /// application's TCP_MAXSEG (<see cref="TcpEndpointOptions.MaxSegmentSize"/>); it also caps what we send.
    /// </summary>
    internal static int AdvertisedMss(in RouteInfo route, NetAddress remote, TcpEndpointOptions options)
    {
        int ipHeader = remote.IsV6 ? 40 : 20;
        int mss = Math.Clamp(route.Mtu - ipHeader - TcpSegment.MinHeaderLength, 64, ushort.MaxValue);
        return options.MaxSegmentSize > 0 ? Math.Min(mss, options.MaxSegmentSize) : mss;
    }
}
