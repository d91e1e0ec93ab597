using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp.Simulation;

/// <summary>
/// Runs one <see cref="SimScenario"/>: stack A (clients) and stack B (servers) over a manually
/// pumped <see cref="ChannelLink"/> pair, each end wrapped in an outbound <see cref="ImpairedLink"/>,
/// all on one <see cref="ManualTimeProvider"/>. The loop lets every application act, pumps the
/// link until idle, and when nothing moves jumps the clock to the next timer (or application
/// wake-up), until every connection has ended or the virtual-time limit passes. Then it checks
/// the end states and, after disposing everything, that no packet buffer leaked.
/// </summary>
internal sealed class SimWorld : IDisposable
{
    public static readonly TimeSpan VirtualTimeLimit = TimeSpan.FromMinutes(10);

    private static readonly NetAddress A4 = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress B4 = NetAddress.Parse("10.9.0.2");
    private static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    private readonly SimScenario _scenario;
    private readonly ManualTimeProvider _clock = new();
    private readonly PacketPool _pool = new();
    private readonly ChannelLinkPair _links;
    private readonly ImpairedLink _linkA;
    private readonly ImpairedLink _linkB;
    private readonly NetStack _a;
    private readonly NetStack _b;
    private readonly List<Conn> _conns = [];
    private readonly Dictionary<ushort, TcpEndpoint> _acceptedByPort = [];
    private const ushort SharedPort = 7000;
    private TcpListenSocket? _sharedListener;
    private bool _disposed;

    public SimWorld(SimScenario scenario)
    {
        _scenario = scenario;
        _links = ChannelLink.CreatePair(new ChannelLinkOptions
        {
            Mtu = scenario.Mtu,
            Capabilities = scenario.Capabilities,
            DispatchMode = ChannelDispatchMode.Manual,
        });
        _linkA = new ImpairedLink(_links.A, scenario.AToB, _clock);
        _linkB = new ImpairedLink(_links.B, scenario.BToA, _clock);
        _a = new NetStack(new NetStackOptions { TimeProvider = _clock, Pool = _pool, RandomSeed = scenario.Seed * 4 + 1 });
        _b = new NetStack(new NetStackOptions { TimeProvider = _clock, Pool = _pool, RandomSeed = scenario.Seed * 4 + 3 });
        _a.AddInterface(_linkA, "10.9.0.1/24", "fd00:9::1/64");
        _b.AddInterface(_linkB, "10.9.0.2/24", "fd00:9::2/64");
        if (scenario.IsnBelowWrap is uint below)
        {
            // Each connection 16 M further on, as the RFC 6528 clock would move them: a reused four-tuple
            // with the very same ISNs would take the old incarnation's delayed duplicates as its own.
            uint nextA = 0u - below - (1u << 24);
            uint nextB = 0u - below - 7777 - (1u << 24);
            TcpA.InitialSequenceNumberOverride = _ => new SeqNumber(nextA += 1u << 24);
            TcpB.InitialSequenceNumberOverride = _ => new SeqNumber(nextB += 1u << 24);
        }
        if (scenario.SharedListener)
        {
            foreach (ConnectionSpec spec in scenario.Connections)
            {
                // A client whose cookie ACK was dropped believes it is connected, and a server child
                // built from one valid segment may face a client already reset: if they have nothing
                // to send, only a keepalive probe (answered with RST) tells them.
                foreach (SideSpec side in (ReadOnlySpan<SideSpec>)[spec.Client, spec.Server])
                {
                    side.Options.KeepAlive = true;
                    side.Options.KeepAliveTime = TimeSpan.FromSeconds(5);
                    side.Options.KeepAliveInterval = TimeSpan.FromSeconds(1);
                }
            }
            _sharedListener = TcpB.Listen(NetAddress.Parse("::"), SharedPort, 1, scenario.Connections[0].Server.Options);
        }
        var rng = new Random(scenario.Seed ^ 0x5EED);
        foreach (ConnectionSpec spec in scenario.Connections)
        {
            byte[] up = new byte[spec.Client.WriteTotal];
            byte[] down = new byte[spec.Server.WriteTotal];
            rng.NextBytes(up);
            rng.NextBytes(down);
            _conns.Add(new Conn(spec,
                new SimSide($"conn {spec.Index} client", spec.Client, up, down, new Random(rng.Next())),
                new SimSide($"conn {spec.Index} server", spec.Server, down, up, new Random(rng.Next()))));
        }
    }

    public TcpProtocol TcpA => TcpProtocol.For(_a);

    public TcpProtocol TcpB => TcpProtocol.For(_b);

    /// <summary>Runs the scenario to the end and checks it; throws <see cref="SimulationException"/> (or whatever the stack threw) on failure.</summary>
    public void Run()
    {
        while (true)
        {
            for (int round = 0; ; round++)
            {
                bool progress = false;
                TimeSpan now = _clock.Elapsed;
                progress |= DrainSharedListener();
                foreach (Conn c in _conns)
                {
                    progress |= Step(c, now);
                }
                progress |= _links.PumpUntilIdle() > 0;
                foreach (Conn c in _conns)
                {
                    c.Client.Observe();
                    c.Server.Observe();
                }
                if (!progress)
                {
                    break;
                }
                if (round > 1_000_000)
                {
                    throw new SimulationException("livelock: the applications and the link never go idle");
                }
            }
            if (_conns.TrueForAll(IsFinished))
            {
                break;
            }
            if (_sharedListener is not null && _conns.TrueForAll(c => c.Server.Endpoint is not null))
            {
                _sharedListener.Close();
                _sharedListener = null;
            }
            if (_clock.Elapsed >= VirtualTimeLimit)
            {
                throw new SimulationException($"not finished after {VirtualTimeLimit.TotalMinutes} virtual minutes");
            }
            TimeSpan? next = _clock.NextDue;
            foreach (Conn c in _conns)
            {
                next = Earliest(next, WakeUp(c));
            }
            if (next is not TimeSpan delay)
            {
                throw new SimulationException($"stuck at {_clock.Elapsed}: nothing to do and no timer pending");
            }
            _clock.Advance(delay);
        }
        CheckEndStates();
    }

    /// <summary>
    /// The server application accepts from the shared listener all the time. A second child for a
    /// four-tuple it already served is a connection resurrected by a duplicate of the cookie ACK (the
    /// first child was aborted or closed): the application rejects it with Abort.
    /// </summary>
    private bool DrainSharedListener()
    {
        bool progress = false;
        while (_sharedListener?.TryAccept(false, out _) is { } child)
        {
            progress = true;
            bool served = _conns.Exists(c => c.Server.Endpoint is not null && c.Client.Endpoint?.Id.LocalPort == child.Id.RemotePort);
            if (served || !_acceptedByPort.TryAdd(child.Id.RemotePort, child))
            {
                child.Abort();
            }
        }
        return progress;
    }

    private TimeSpan? WakeUp(Conn c)
    {
        TimeSpan now = _clock.Elapsed;
        TimeSpan? wake = null;
        if (c.Client.Endpoint is null && !(_scenario.SequentialReuse && c.Spec.Index > 0))
        {
            wake = TimeSpan.FromMilliseconds(c.Spec.StartMs) - now;
        }
        foreach (SimSide s in (ReadOnlySpan<SimSide>)[c.Client, c.Server])
        {
            if (s.Endpoint is not null && !s.AppDone && !s.Eof && s.ReadResumeAt > now)
            {
                wake = Earliest(wake, s.ReadResumeAt - now);
            }
        }
        return wake;
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) =>
        a is null ? b : b is null ? a : a.Value < b.Value ? a : b;

    private bool Step(Conn c, TimeSpan now)
    {
        bool progress = false;
        if (c.Client.Endpoint is null)
        {
            if (!TryConnect(c, now))
            {
                return false;
            }
            progress = true;
        }
        if (!c.Connected)
        {
            if (!PollConnected(c))
            {
                return progress;
            }
            progress = true;
        }
        if (c.Server.Endpoint is null && c.Listener is not null)
        {
            progress |= TryTakeAccepted(c);
        }
        progress |= c.Client.Step(now);
        progress |= c.Server.Step(now);
        return progress;
    }

    /// <summary>Opens the connection's listener (unless shared) and starts the client's connect once its time has come; returns whether it did.</summary>
    private bool TryConnect(Conn c, TimeSpan now)
    {
        ushort localPort = 0;
        if (_scenario.SequentialReuse && c.Spec.Index > 0)
        {
            if (!TryReusePort(_conns[c.Spec.Index - 1], out localPort))
            {
                return false;
            }
        }
        else if (now < TimeSpan.FromMilliseconds(c.Spec.StartMs))
        {
            return false;
        }
        ushort port = _sharedListener is not null ? SharedPort : _scenario.SequentialReuse ? (ushort)8000 : (ushort)(8000 + c.Spec.Index);
        c.Listener = _sharedListener ?? TcpB.Listen(c.Spec.V6 ? B6 : B4, port, 16, c.Spec.Server.Options);
        c.Client.Endpoint = TcpA.Connect(c.Spec.V6 ? B6 : B4, port, out SocketError error, c.Spec.Client.Options, localPort: localPort);
        if (error != SocketError.Success)
        {
            throw new SimulationException($"conn {c.Spec.Index}: connect failed at once: {error}");
        }
        return true;
    }

    /// <summary>
    /// With sequential reuse a connection starts once the previous one is done, from the previous client's
    /// port (0 for a fresh one); returns false while the previous connection is still alive.
    /// </summary>
    private static bool TryReusePort(Conn previous, out ushort localPort)
    {
        localPort = 0;
        // Both halves must be done (the server may still be in TIME-WAIT: that is the point); a
        // server half still alive after a lost RST would meet the new SYN as a port collision.
        if (previous.Client.Endpoint is not { State: TcpConnectionState.Closed } || previous.Listener is not null
            || previous.Server.Endpoint is not { State: TcpConnectionState.Closed or TcpConnectionState.TimeWait })
        {
            return false;
        }
        // An incarnation that ended with a RST left no TIME-WAIT behind, and nothing in TCP keeps its
        // delayed segments out of a new one on the same four-tuple (RFC 9293 §3.4.3: the RFC 6528 clock moves
        // 250 kB/s, the timestamp clock may not have ticked). Applications reusing a port after an abort get
        // what Linux gives them; the simulation takes a fresh port instead.
        bool endedByReset = previous.Client.Aborted || previous.Server.Aborted
            || previous.Client.SeenError != SocketError.Success || previous.Server.SeenError != SocketError.Success;
        localPort = endedByReset ? (ushort)0 : previous.Client.Endpoint.Id.LocalPort;
        return true;
    }

    /// <summary>Returns whether the client's handshake has completed (false while it is pending); throws if it failed.</summary>
    private static bool PollConnected(Conn c)
    {
        SocketError state = c.Client.Endpoint!.PollConnect(false);
        if (state == SocketError.IOPending)
        {
            return false;
        }
        if (state != SocketError.Success)
        {
            throw new SimulationException($"conn {c.Spec.Index}: connect failed: {state}");
        }
        c.Connected = true;
        return true;
    }

    /// <summary>Gives the server side the child accepted for this client's port, if there is one yet; returns whether it did.</summary>
    private bool TryTakeAccepted(Conn c)
    {
        TcpListenSocket listener = c.Listener!;
        if (listener != _sharedListener)
        {
            while (listener.TryAccept(false, out _) is { } child)
            {
                _acceptedByPort.Add(child.Id.RemotePort, child);
            }
        }
        if (!_acceptedByPort.Remove(c.Client.Endpoint!.Id.LocalPort, out TcpEndpoint? mine))
        {
            return false;
        }
        c.Server.Endpoint = mine;
        TcpEndpointOptions wanted = c.Spec.Server.Options;
        if (wanted.KeepAlive && !mine.Options.KeepAlive)
        {
            // A shared listener's children start from connection 0's options: set this one's keepalive.
            mine.Options.KeepAlive = true;
            mine.Options.KeepAliveTime = wanted.KeepAliveTime;
            mine.Options.KeepAliveInterval = wanted.KeepAliveInterval;
            mine.Options.KeepAliveProbes = wanted.KeepAliveProbes;
            mine.OptionsChanged();
        }
        if (listener != _sharedListener)
        {
            listener.Close();
        }
        c.Listener = null;
        return true;
    }

    private bool IsFinished(Conn c) =>
        Finished(c.Client) && (Finished(c.Server) || ResetInCookieHandshake(c));

    /// <summary>
    /// With a backlog of 1 a SYN-cookie handshake can fail legitimately: when the cookie ACK is dropped
    /// (accept queue full) or lost, a later segment fails validation and is answered with RST (Linux
    /// cookie_v4_check does the same), so the client is reset before the server ever had the connection.
    /// </summary>
    /// The server may also have built the connection from another (valid) segment and then be reset by
    /// the client's stack, which no longer knows it.
    private bool ResetInCookieHandshake(Conn c) =>
        _scenario.SharedListener && TcpB.Statistics.SyncookiesFailed > 0 && !c.Client.Aborted && !c.Server.Aborted
        && c.Client.Endpoint is { State: TcpConnectionState.Closed, Error: SocketError.ConnectionReset }
        && c.Server.Endpoint is null or { State: TcpConnectionState.Closed, Error: SocketError.ConnectionReset };

    private static bool Finished(SimSide s) => s.Endpoint is { State: TcpConnectionState.Closed } && (s.AppDone || s.Endpoint.Error != SocketError.Success);

    private void CheckEndStates()
    {
        foreach (Conn c in _conns)
        {
            SimSide client = c.Client;
            SimSide server = c.Server;
            if (ResetInCookieHandshake(c))
            {
                continue;
            }
            switch (c.Spec.Pattern)
            {
                case ClosePattern.ClientAborts:
                    CheckAbort(client, server);
                    break;
                case ClosePattern.ServerAborts:
                    CheckAbort(server, client);
                    break;
                default:
                    // TIME-WAIT may be cut short, unobserved, by the RST a closed peer answers a late
                    // duplicate ACK with (RFC 9293 §3.10.7.4; Linux without tcp_rfc1337 does the same).
                    bool clientMayBeReset = TcpB.Statistics.OutRsts > 0;
                    bool serverMayBeReset = TcpA.Statistics.OutRsts > 0;
                    CheckGraceful(client, server, clientMayBeReset);
                    CheckGraceful(server, client, serverMayBeReset);
                    if (!client.Saw(TcpConnectionState.TimeWait) && !server.Saw(TcpConnectionState.TimeWait) && !clientMayBeReset && !serverMayBeReset)
                    {
                        throw new SimulationException($"conn {c.Spec.Index}: neither side passed through TIME-WAIT");
                    }
                    break;
            }
        }
        if (TcpA.ConnectionCount != 0 || TcpB.ConnectionCount != 0)
        {
            throw new SimulationException($"connections still registered: A {TcpA.ConnectionCount}, B {TcpB.ConnectionCount}");
        }
    }

    private static void CheckGraceful(SimSide side, SimSide peer, bool timeWaitMayBeReset)
    {
        TcpEndpoint ep = side.Endpoint!;
        if (ep.Error != SocketError.Success || side.SeenError != SocketError.Success)
        {
            throw new SimulationException($"{side.Name}: graceful close ended with {ep.Error} / {side.SeenError}");
        }
        if (side.Written != side.Spec.WriteTotal || peer.Read != side.Spec.WriteTotal && !peer.Spec.CloseEarly)
        {
            throw new SimulationException($"{side.Name}: wrote {side.Written} of {side.Spec.WriteTotal}, peer read {peer.Read}");
        }
        // RFC 9293 §3.6: the side that closes first (never in CLOSE-WAIT) waits in TIME-WAIT; the
        // side that received the first FIN goes LAST-ACK -> CLOSED without it.
        bool closeWait = side.Saw(TcpConnectionState.CloseWait);
        bool timeWait = side.Saw(TcpConnectionState.TimeWait);
        if (closeWait ? timeWait : !timeWait && !timeWaitMayBeReset)
        {
            throw new SimulationException($"{side.Name}: CLOSE-WAIT seen {closeWait}, TIME-WAIT seen {timeWait}: expected exactly one");
        }
    }

    private static void CheckAbort(SimSide aborter, SimSide peer)
    {
        if (!aborter.Aborted)
        {
            throw new SimulationException($"{aborter.Name}: never aborted");
        }
        if (aborter.Endpoint!.Error != SocketError.ConnectionAborted)
        {
            throw new SimulationException($"{aborter.Name}: after Abort the error is {aborter.Endpoint.Error}");
        }
        if (peer.Endpoint!.Error != SocketError.ConnectionReset)
        {
            throw new SimulationException($"{peer.Name}: the peer aborted but the error is {peer.Endpoint.Error} (app saw {peer.SeenError})");
        }
    }

    public string Describe()
    {
        var s = new System.Text.StringBuilder();
        s.Append($"at {_clock.Elapsed} virtual; pool outstanding {_pool.Outstanding}; link A->B {_linkA.Outbound}, B->A {_linkB.Outbound}\n");
        foreach ((string n, NetStack st) in (ReadOnlySpan<(string, NetStack)>)[("A", _a), ("B", _b)])
        {
            var ip = st.GetStatistics().Ip;
            TcpStatisticsSnapshot t = st.GetStatistics().Tcp;
            s.Append($"  stack {n}: tcp cookies sent {t.SyncookiesSent} recv {t.SyncookiesRecv} failed {t.SyncookiesFailed}, listen overflows {t.ListenOverflows}, out rsts {t.OutRsts}, retrans {t.RetransSegs}\n");
            s.Append($"  stack {n}: ip out {ip.OutRequests} discards {ip.OutDiscards} noroutes {ip.OutNoRoutes} in {ip.InReceives} hdrerr {ip.InHdrErrors} csum {ip.InCsumErrors} indiscards {ip.InDiscards}\n");
        }
        foreach (Conn c in _conns)
        {
            s.Append("  ").Append(c.Client.Describe()).Append('\n');
            s.Append("  ").Append(c.Server.Describe()).Append('\n');
        }
        return s.ToString();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _sharedListener?.Close();
        foreach (TcpEndpoint orphan in _acceptedByPort.Values)
        {
            orphan.Abort();
        }
        foreach (Conn c in _conns)
        {
            c.Listener?.Close();
            c.Client.Endpoint?.Abort();
            c.Server.Endpoint?.Abort();
        }
        _linkA.Dispose();
        _linkB.Dispose();
        _links.Dispose();
        _a.Dispose();
        _b.Dispose();
    }

    /// <summary>Packet buffers not returned to the pool (check after <see cref="Dispose"/>).</summary>
    public long Outstanding => _pool.Outstanding;

    private sealed class Conn(ConnectionSpec spec, SimSide client, SimSide server)
    {
        public ConnectionSpec Spec => spec;

        public SimSide Client => client;

        public SimSide Server => server;

        public TcpListenSocket? Listener { get; set; }

        public bool Connected { get; set; }
    }
}
