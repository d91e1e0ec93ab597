using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Netstack.Stack;
using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// TCP for one stack: validates inbound segments, demultiplexes them by four-tuple to endpoints,
/// by local address/port to listeners, then to the forwarder, and answers the rest with RST
/// (RFC 9293 §3.10.7.1). Table lookups take a short lock that is never held while an endpoint's
/// lock is taken (endpoints call back into the table under their own lock).
/// </summary>
internal sealed class TcpProtocol : ITransportHandler, IDisposable
{
    public const byte ProtocolNumber = 6;

    private readonly Lock _lock = new();
    private readonly Dictionary<FourTuple, TcpEndpoint> _connections;
    private readonly Dictionary<ushort, List<TcpListenSocket>> _listeners = [];
    private readonly InitialSequenceNumber _isn;
    private long _challengeWindowStart;
    private int _challengeCount;

    /// <summary>TCP on <paramref name="host"/>, its keys (ISNs, timestamp offsets, the table hash, SYN cookies) derived from <paramref name="secret"/>.</summary>
    internal TcpProtocol(ITcpHost host, StackSecret secret)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(secret);
        Host = host;
        // RFC 6528 §3 wants the ISN secret unguessable: it and the cookie keys come from the stack's one secret.
        _isn = new InitialSequenceNumber(host.TimeProvider, secret.DeriveKey("tcp isn"u8));
        Cookies = new SynCookies(secret.DeriveKey("tcp syncookie 0"u8), secret.DeriveKey("tcp syncookie 1"u8));
        _connections = new Dictionary<FourTuple, TcpEndpoint>(_isn.CreateComparer());
    }

    internal ITcpHost Host { get; }

    /// <summary>Where connections log their start and end (<see cref="TcpLog"/>).</summary>
    internal ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The most packet-buffer bytes the receive and reassembly queues of all connections may hold (<see cref="NetStackOptions.TcpReceiveMemoryLimit"/>).</summary>
    internal long ReceiveMemoryLimit { get; set; } = NetStackOptions.DefaultTcpReceiveMemoryLimit;

    /// <summary>What one connection may always hold of in-order data, whatever the others hold (<see cref="NetStackOptions.TcpReceiveMemoryMinimum"/>).</summary>
    internal long ReceiveMemoryMinimum { get; set; } = NetStackOptions.DefaultTcpReceiveMemoryMinimum;

    /// <summary>The stack's TCP, created and registered (with its counters on the stack's Meter) on first use.</summary>
    public static TcpProtocol For(NetStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return stack.GetOrAddTransport(static s =>
        {
            var tcp = new TcpProtocol(new NetStackTcpHost(s), s.Secret)
            {
                Logger = s.LoggerFactory.CreateLogger(TcpLog.Category),
                ReceiveMemoryLimit = s.Options.TcpReceiveMemoryLimit,
                ReceiveMemoryMinimum = s.Options.TcpReceiveMemoryMinimum,
            };
            tcp.Statistics.Register(s.Meter);
            TcpConnectionCountInstrument.Register(s.Meter, tcp);
            return tcp;
        });
    }

    byte ITransportHandler.Protocol => ProtocolNumber;

    TransportDisposition ITransportHandler.HandlePacket(in TransportPacketInfo info, PacketBuffer packet, in TransmitContext tx)
    {
        if (info.IsBroadcastOrMulticast)
        {
            // RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast address (a subnet's included, which only the IP
            // layer can tell) is dropped: no SYN-ACK and no RST.
            TcpStatistics.Increment(ref Statistics.InSegs);
            TcpStatistics.Increment(ref Statistics.InErrs);
            TcpLog.SegmentDropped(Logger, info.Source, info.Destination, packet.Length, "sent to a broadcast or multicast address");
            packet.Release();
            return TransportDisposition.Delivered;
        }
        HandleSegment(info.Source, info.Destination, packet, packet.Offload.ChecksumValid, tx, info.NetworkHeaderLength, info.Ecn);
        return TransportDisposition.Delivered; // TCP answers what it cannot use itself (RST, RFC 9293 §3.10.7.1)
    }

    /// <summary>An ICMP error quoting one of our segments (RFC 5927, RFC 1191/8201): found by four-tuple, judged by the endpoint.</summary>
    public void HandleError(in TransportErrorInfo error)
    {
        if (error.Protocol != ProtocolNumber)
        {
            return;
        }
        var id = new FourTuple(error.LocalAddress, error.LocalPort, error.RemoteAddress, error.RemotePort);
        TcpEndpoint? endpoint;
        lock (_lock)
        {
            _connections.TryGetValue(id, out endpoint);
        }
        endpoint?.HandleError(error);
    }

    public TcpStatistics Statistics { get; } = new();

    /// <summary>Options new endpoints start from.</summary>
    public TcpEndpointOptions DefaultOptions { get; } = new();

    /// <summary>Where SYNs nobody listens for go when set (see <see cref="Sockets.TcpSocketExtensions.ForwardTcp"/>).</summary>
    internal TcpForwarder? Forwarder => Volatile.Read(ref ForwarderSlot);

    internal TcpForwarder? ForwarderSlot;

    /// <summary>Linux tcp_syncookies = 1: answer with SYN cookies when a listener's backlog is full.</summary>
    public bool SynCookiesEnabled { get; set; } = true;

    internal SynCookies Cookies { get; }

    /// <summary>The clock of the TCP timestamp option (1 ms); per-connection offsets are added by endpoints.</summary>
    internal uint TimestampClock => (uint)(long)Host.Now.TotalMilliseconds;

    /// <summary>RFC 5961 §7: challenge ACKs allowed per second (Linux tcp_challenge_ack_limit).</summary>
    public int ChallengeAckLimit { get; set; } = 1000;

    /// <summary>Tests may pin ISNs (e.g. near 2^32 to exercise wrap-around).</summary>
    public Func<FourTuple, SeqNumber>? InitialSequenceNumberOverride { get; set; }

    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Adds the table's connections to <paramref name="counts"/> by state (indexed by <see cref="TcpConnectionState"/>), and the listeners to Listen.</summary>
    public void CountByState(Span<long> counts)
    {
        lock (_lock)
        {
            foreach (TcpEndpoint endpoint in _connections.Values)
            {
                counts[(int)endpoint.State]++;
            }
            foreach (List<TcpListenSocket> listeners in _listeners.Values)
            {
                counts[(int)TcpConnectionState.Listen] += listeners.Count;
            }
        }
    }

    public TcpEndpoint CreateEndpoint(TcpEndpointOptions? options = null) => new(this, (options ?? DefaultOptions).Clone());

    /// <summary>Starts an active open; the result arrives through <see cref="TcpEndpoint.PollConnect"/>.</summary>
    public TcpEndpoint Connect(NetAddress remote, ushort remotePort, out System.Net.Sockets.SocketError error, TcpEndpointOptions? options = null, NetAddress local = default, ushort localPort = 0)
    {
        TcpEndpoint endpoint = CreateEndpoint(options);
        error = endpoint.Connect(remote, remotePort, local, localPort);
        return endpoint;
    }

    /// <summary>Opens a listener (the port must already be reserved by the caller or free).</summary>
    public TcpListenSocket Listen(NetAddress local, ushort port, int backlog, TcpEndpointOptions? options = null)
    {
        var listener = new TcpListenSocket(this, local, port, backlog, (options ?? DefaultOptions).Clone());
        lock (_lock)
        {
            if (!_listeners.TryGetValue(port, out List<TcpListenSocket>? list))
            {
                list = [];
                _listeners[port] = list;
            }
            foreach (TcpListenSocket existing in list)
            {
                if (existing.LocalAddress == local)
                {
                    throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse);
                }
            }
            list.Add(listener);
        }
        return listener;
    }

    internal void RemoveListener(TcpListenSocket listener)
    {
        lock (_lock)
        {
            if (_listeners.TryGetValue(listener.Port, out List<TcpListenSocket>? list))
            {
                list.Remove(listener);
                if (list.Count == 0)
                {
                    _listeners.Remove(listener.Port);
                }
            }
        }
    }

    internal bool TryRegister(TcpEndpoint endpoint)
    {
        lock (_lock)
        {
            return _connections.TryAdd(endpoint.Id, endpoint);
        }
    }

    /// <summary>
    /// Ends the oldest TIME-WAIT connection from <paramref name="local"/> to <paramref name="remote"/>:<paramref name="remotePort"/>
    /// that <see cref="TcpEndpoint.TryRecycleTimeWait"/> allows, so an active open can take its four-tuple; false when
    /// none may be. Called only when every port to that destination is in use, without any lock but the caller's
    /// endpoint's (each candidate's lock is taken alone, then the port lock, the usual order).
    /// </summary>
    internal bool TryRecycleTimeWait(NetAddress local, NetAddress remote, ushort remotePort, out SeqNumber sndNxt)
    {
        List<TcpEndpoint> candidates = [];
        lock (_lock)
        {
            foreach (KeyValuePair<FourTuple, TcpEndpoint> entry in _connections)
            {
                FourTuple id = entry.Key;
                if (id.RemotePort == remotePort && id.RemoteAddress == remote && id.LocalAddress == local && entry.Value.State == TcpConnectionState.TimeWait)
                {
                    candidates.Add(entry.Value);
                }
            }
        }
        TimeSpan now = Host.Now;
        foreach (TcpEndpoint candidate in candidates)
        {
            if (candidate.TryRecycleTimeWait(now, out sndNxt))
            {
                return true;
            }
        }
        sndNxt = default;
        return false;
    }

    internal bool IsRegistered(in FourTuple id)
    {
        lock (_lock)
        {
            return _connections.ContainsKey(id);
        }
    }

    /// <summary>
    /// The stack is being disposed: every connection in the table ends (no segment is sent; the links are going too)
    /// and frees the send data, received and out-of-order segments it holds, so each pooled buffer goes back to the
    /// pool, as Linux resets a network namespace's sockets when it is torn down.
    /// </summary>
    public void Dispose()
    {
        TcpEndpoint[] connections;
        lock (_lock)
        {
            connections = [.. _connections.Values];
        }
        foreach (TcpEndpoint connection in connections)
        {
            connection.OnStackDisposed(); // takes the endpoint's lock, then ours to unregister: not under ours
        }
    }

    internal void Unregister(TcpEndpoint endpoint)
    {
        lock (_lock)
        {
            if (_connections.TryGetValue(endpoint.Id, out TcpEndpoint? current) && current == endpoint)
            {
                _connections.Remove(endpoint.Id);
            }
        }
    }

    /// <summary>
    /// Inbound segment (positioned at the TCP header); takes the packet's reference.
    /// <paramref name="checksumValid"/> skips verification when the link already did it.
    /// </summary>
    /// <param name="source">The IP source address.</param>
    /// <param name="destination">The IP destination address.</param>
    /// <param name="packet">The segment, positioned at the TCP header.</param>
    /// <param name="checksumValid">The link verified the checksum.</param>
    /// <param name="tx">How replies and the segments this arrival triggers are sent (batched while dispatching).</param>
    /// <param name="networkHeaderLength">The IP header's length in the headroom in front of the segment (0 when unknown), so a forwarder can quote the SYN in an ICMP error.</param>
    /// <param name="ecn">The ECN codepoint of the IP header (RFC 3168 §5), for the endpoint's ECN-Echo.</param>
    internal void HandleSegment(NetAddress source, NetAddress destination, PacketBuffer packet, bool checksumValid, in TransmitContext tx, int networkHeaderLength = 0, EcnCodepoint ecn = EcnCodepoint.NotEct)
    {
        try
        {
            TcpStatistics.Increment(ref Statistics.InSegs);
            Span<byte> bytes = packet.Span;
            if (!checksumValid && !Checksum.IsValid(bytes, Checksum.PseudoHeader(source, destination, ProtocolNumber, bytes.Length)))
            {
                TcpStatistics.Increment(ref Statistics.InErrs);
                TcpStatistics.Increment(ref Statistics.InCsumErrors);
                TcpLog.SegmentDropped(Logger, source, destination, bytes.Length, "bad checksum");
                return;
            }
            if (!TcpSegment.TryParse(bytes, out TcpSegment seg) || seg.SourcePort == 0 || seg.DestinationPort == 0
                || source.IsMulticast || source.IsBroadcast || destination.IsMulticast || destination.IsBroadcast)
            {
                TcpStatistics.Increment(ref Statistics.InErrs);
                TcpLog.SegmentDropped(Logger, source, destination, bytes.Length, "bad header, port 0, or a broadcast or multicast address");
                return;
            }
            seg.IpEcn = ecn;
            var id = new FourTuple(destination, seg.DestinationPort, source, seg.SourcePort);
            TcpEndpoint? endpoint;
            lock (_lock)
            {
                _connections.TryGetValue(id, out endpoint);
            }
            if (endpoint is not null)
            {
                bool isNewSyn = (seg.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn;
                if (!(isNewSyn && endpoint.State == TcpConnectionState.TimeWait && endpoint.CanReuseTimeWait(seg)))
                {
                    endpoint.HandleSegment(seg, packet, tx);
                    return;
                }
            }
            TcpListenSocket? listener = FindListener(destination, seg.DestinationPort);
            if (listener is not null)
            {
                listener.HandleSegment(id, seg, packet, tx);
                return;
            }
            if (Forwarder is { } forwarder && (seg.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn
                && forwarder.Offer(id, packet, networkHeaderLength))
            {
                return; // held until the forwarder's handler accepts or refuses it
            }
            SendResetForNoEndpoint(id, seg, tx);
        }
        finally
        {
            packet.Release();
        }
    }

    private TcpListenSocket? FindListener(NetAddress local, ushort port)
    {
        lock (_lock)
        {
            if (!_listeners.TryGetValue(port, out List<TcpListenSocket>? list))
            {
                return null;
            }
            TcpListenSocket? wildcard = null;
            foreach (TcpListenSocket l in list)
            {
                if (l.LocalAddress == local)
                {
                    return l;
                }
                if (l.LocalAddress.IsUnspecified && (l.LocalAddress.IsV6 || !local.IsV6))
                {
                    wildcard ??= l;
                }
            }
            return wildcard;
        }
    }

    /// <summary>RFC 9293 §3.10.7.1: a segment for no connection is answered with RST (unless it is one).</summary>
    internal void SendResetForNoEndpoint(in FourTuple id, in TcpSegment seg, in TransmitContext tx)
    {
        if ((seg.Flags & TcpFlags.Rst) != 0)
        {
            return;
        }
        if ((seg.Flags & TcpFlags.Ack) != 0)
        {
            SendControl(id, TcpFlags.Rst, seg.Ack, default, tx);
        }
        else
        {
            SendControl(id, TcpFlags.Rst | TcpFlags.Ack, default, seg.Seq + seg.SeqLength, tx);
        }
    }

    /// <summary>A bare control segment (RST) from no endpoint.</summary>
    internal void SendControl(in FourTuple id, TcpFlags flags, SeqNumber seq, SeqNumber ack, in TransmitContext tx)
    {
        if (!Host.TryFindRoute(id.RemoteAddress, out RouteInfo route))
        {
            return;
        }
        TcpSegment h = default;
        h.WindowScale = -1;
        h.SourcePort = id.LocalPort;
        h.DestinationPort = id.RemotePort;
        h.Seq = seq;
        h.Ack = ack;
        h.Flags = flags;
        PacketBuffer packet = Host.Pool.Rent(0);
        h.Write(packet.Prepend(h.ComputeHeaderLength()));
        FinishChecksum(packet, id.LocalAddress, id.RemoteAddress, route, 0);
        if ((flags & TcpFlags.Rst) != 0)
        {
            TcpStatistics.Increment(ref Statistics.OutRsts);
        }
        TcpStatistics.Increment(ref Statistics.OutSegs);
        Host.Send(packet, id.LocalAddress, id.RemoteAddress, route, tx);
    }

    /// <summary>
    /// Full checksum, or with <see cref="LinkCapabilities.TxChecksumOffload"/> / GSO the folded
    /// pseudo-header sum and <see cref="OffloadInfo.NeedsChecksum"/> (the Linux CHECKSUM_PARTIAL
    /// contract: ChecksumStart is relative to the transport header; the stack adds the IP header).
    /// </summary>
    internal static void FinishChecksum(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route, int gsoSize)
    {
        Span<byte> segment = packet.Span;
        if (gsoSize > 0 || (route.Capabilities & LinkCapabilities.TxChecksumOffload) != 0)
        {
            ulong sum = Checksum.PseudoHeader(source, destination, ProtocolNumber, segment.Length);
            BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum.Fold(sum));
            packet.Offload.NeedsChecksum = true;
            packet.Offload.ChecksumStart = 0;
            packet.Offload.ChecksumOffset = 16;
            packet.Offload.HeaderLength = (ushort)((segment[12] >> 4) * 4);
            if (gsoSize > 0)
            {
                packet.Offload.GsoType = destination.IsV6 ? GsoType.TcpV6 : GsoType.TcpV4;
                packet.Offload.GsoSize = (ushort)gsoSize;
                int payload = segment.Length - packet.Offload.HeaderLength;
                packet.Offload.SegmentCount = (ushort)((payload + gsoSize - 1) / gsoSize);
            }
            return;
        }
        TcpSegment.WriteChecksum(segment, source, destination);
    }

    /// <summary>RFC 6528 ISN: a 4 µs clock plus a keyed hash of the four-tuple.</summary>
    internal SeqNumber NewIsn(in FourTuple id) =>
        InitialSequenceNumberOverride is { } pinned ? pinned(id) : _isn.Generate(id);

    /// <summary>Our timestamp clock's offset towards one peer (see <see cref="InitialSequenceNumber.TimestampOffset"/>).</summary>
    internal uint TimestampOffset(in FourTuple id) => _isn.TimestampOffset(id.LocalAddress, id.RemoteAddress);

    internal bool TryTakeChallengeAck()
    {
        lock (_lock)
        {
            long second = (long)Host.Now.TotalSeconds;
            if (second != _challengeWindowStart)
            {
                _challengeWindowStart = second;
                _challengeCount = 0;
            }
            return ++_challengeCount <= ChallengeAckLimit;
        }
    }
}
