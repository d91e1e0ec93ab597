using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// A TCP under test on one side and a hand-driven peer on the other (smoltcp's send!/recv! idea):
/// the peer injects segments with <see cref="Send"/> and checks what TCP emitted with
/// <see cref="Expect"/> / <see cref="ExpectNothing"/>, so a test reads like an RFC exchange.
/// Time is a <see cref="ManualTimeProvider"/>; nothing moves unless the test says so.
/// </summary>
internal sealed class TcpTestContext : IDisposable
{
    public static readonly NetAddress Local = NetAddress.Parse("10.9.0.1");
    public static readonly NetAddress Remote = NetAddress.Parse("10.9.0.2");
    public const ushort LocalPort = 80;
    public const ushort RemotePort = 49152;

    public TcpTestContext(int mtu = 1500, LinkCapabilities capabilities = LinkCapabilities.None, int gsoMaxSize = 0)
    {
        Host = new TestTcpHost(Time, new RouteInfo(1, Local, Remote, mtu, gsoMaxSize, capabilities));
        Tcp = new TcpProtocol(Host, StackSecret.Create(1));
        Tcp.InitialSequenceNumberOverride = _ => new SeqNumber(Iss);
        Tcp.DefaultOptions.QuickAck = false; // the tests follow RFC 5681's every-second-segment ACKs; QuickAckTests turn it on
    }

    public ManualTimeProvider Time { get; } = new();

    public TestTcpHost Host { get; }

    public TcpProtocol Tcp { get; }

    /// <summary>Our initial sequence number unless a test sets <see cref="Iss"/>: our first data byte is DefaultIss + 1.</summary>
    public const uint DefaultIss = 1000;

    /// <summary>The MSS the peer announces in <see cref="EstablishPassive"/>'s SYN, so our full segments carry this much.</summary>
    public const int PeerMss = 1460;

    /// <summary>The ISN our TCP will pick.</summary>
    public uint Iss { get; set; } = DefaultIss;

    public static TcpSegment Seg(TcpFlags flags, uint seq, uint ack = 0, ushort window = 65535)
    {
        TcpSegment s = default;
        s.WindowScale = -1;
        s.Flags = flags;
        s.Seq = new SeqNumber(seq);
        s.Ack = new SeqNumber(ack);
        s.Window = window;
        s.SourcePort = RemotePort;
        s.DestinationPort = LocalPort;
        return s;
    }

    public void Send(TcpFlags flags, uint seq, uint ack = 0, ushort window = 65535, ReadOnlySpan<byte> payload = default) =>
        Send(Seg(flags, seq, ack, window), payload);

    /// <summary>
    /// The peer sends <paramref name="header"/> with <paramref name="payload"/> to our TCP, in an IP header carrying
    /// <paramref name="ecn"/>, in a pool block of at least <paramref name="blockSize"/> bytes (65536: a 64 KiB block,
    /// as a vnet_hdr TUN read rents).
    /// </summary>
    public void Send(TcpSegment header, ReadOnlySpan<byte> payload = default, bool corruptChecksum = false, EcnCodepoint ecn = EcnCodepoint.NotEct, int blockSize = 0)
    {
        PacketBuffer packet = Host.Pool.Rent(Math.Max(payload.Length, blockSize));
        payload.CopyTo(packet.Append(payload.Length));
        header.Write(packet.Prepend(header.ComputeHeaderLength()));
        TcpSegment.WriteChecksum(packet.Span, Remote, Local);
        if (corruptChecksum)
        {
            packet.Span[16] ^= 0x55;
        }
        Tcp.HandleSegment(Remote, Local, packet, checksumValid: false, TransmitContext.Immediate, ecn: ecn);
    }

    /// <summary>Takes the next segment our TCP sent and checks it; returns it with its payload.</summary>
    public TcpSegment Expect(TcpFlags flags, uint? seq = null, uint? ack = null, ushort? window = null, byte[]? payload = null)
    {
        TcpSegment s = Next(out byte[] data);
        Assert.True(s.Flags == flags, $"flags: expected {flags}, got {s.Flags} (seq {s.Seq}, ack {s.Ack})");
        if (seq is uint q)
        {
            Assert.Equal(q, s.Seq.Value);
        }
        if (ack is uint a)
        {
            Assert.Equal(a, s.Ack.Value);
        }
        if (window is ushort w)
        {
            Assert.Equal(w, s.Window);
        }
        if (payload is not null)
        {
            Assert.Equal(payload, data);
        }
        LastPayload = data;
        return s;
    }

    public byte[] LastPayload { get; private set; } = [];

    /// <summary>The ECN codepoint of the IP header of the segment <see cref="Next"/> (or <see cref="Expect"/>) took last.</summary>
    public EcnCodepoint LastEcn { get; private set; }

    /// <summary>The type of service (the bits above ECN) of the segment <see cref="Next"/> (or <see cref="Expect"/>) took last.</summary>
    public byte LastTypeOfService { get; private set; }

    /// <summary>Whether the segment <see cref="Next"/> (or <see cref="Expect"/>) took last asked for Don't Fragment.</summary>
    public bool LastDontFragment { get; private set; }

    /// <summary>An ACK from the peer carrying SACK blocks (left edge, right edge).</summary>
    public static TcpSegment SackAck(uint ack, params (uint Left, uint Right)[] blocks)
    {
        TcpSegment s = Seg(TcpFlags.Ack, 5001, ack);
        for (int i = 0; i < blocks.Length; i++)
        {
            s.Sack[i] = new Transport.Tcp.SackBlock(new SeqNumber(blocks[i].Left), new SeqNumber(blocks[i].Right));
        }
        s.SackCount = blocks.Length;
        return s;
    }

    /// <summary>The data segments TCP sent since the last call, as sequence numbers (pure ACKs are dropped).</summary>
    public List<uint> DrainDataSeqs()
    {
        var seqs = new List<uint>();
        while (Host.Sent.Count > 0)
        {
            TcpSegment s = Next(out byte[] payload);
            if (payload.Length > 0)
            {
                seqs.Add(s.Seq.Value);
            }
        }
        return seqs;
    }

    public TcpSegment Next(out byte[] payload)
    {
        Assert.True(Host.Sent.TryDequeue(out PacketBuffer? packet), "expected a segment, TCP sent nothing");
        NetAddress source = Host.Sources.Dequeue();
        LastEcn = Host.Ecns.Dequeue();
        LastTypeOfService = Host.TypesOfService.Dequeue();
        LastDontFragment = Host.DontFragments.Dequeue();
        try
        {
            if (packet.Offload.NeedsChecksum)
            {
                Assert.True(Netstack.Link.ChecksumHelp.TryComplete(packet), "checksum offload left nothing to complete"); // a GSO link's segments, as a NIC would finish them
            }
            Assert.True(Checksum.IsValid(packet.Span, Checksum.PseudoHeader(source, Remote, 6, packet.Length)), "bad checksum");
            Assert.True(TcpSegment.TryParse(packet.Span, out TcpSegment s));
            payload = packet.Span[s.HeaderLength..].ToArray();
            return s;
        }
        finally
        {
            packet.Release();
        }
    }

    public void ExpectNothing()
    {
        if (Host.Sent.TryDequeue(out PacketBuffer? packet))
        {
            Host.Ecns.Dequeue();
            Host.TypesOfService.Dequeue();
            Host.DontFragments.Dequeue();
            _ = TcpSegment.TryParse(packet.Span, out TcpSegment s);
            packet.Release();
            Assert.Fail($"expected nothing, TCP sent {s.Flags} seq {s.Seq} ack {s.Ack} len {s.PayloadLength}");
        }
    }

    public void Advance(TimeSpan time) => Time.Advance(time);

    public void Advance(int milliseconds) => Time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    public TcpListenSocket Listen(int backlog = 16, TcpEndpointOptions? options = null) => Tcp.Listen(Local, LocalPort, backlog, options);

    /// <summary>Our TCP connects to the peer; returns the endpoint after checking the SYN.</summary>
    public TcpEndpoint Connect(TcpEndpointOptions? options = null)
    {
        TcpEndpoint ep = Tcp.Connect(Remote, RemotePort, out SocketError error, options ?? Tcp.DefaultOptions, Local, LocalPort);
        Assert.Equal(SocketError.Success, error);
        return ep;
    }

    /// <summary>
    /// Brings a passive connection to ESTABLISHED with no options (so sequence numbers are easy to
    /// follow): peer SYN at <paramref name="peerIss"/>, our SYN-ACK, peer ACK <paramref name="handshakeRttMs"/> later (so
    /// the handshake gives the first RTT sample). Returns the accepted endpoint.
    /// </summary>
    public TcpEndpoint EstablishPassive(uint peerIss = 5000, ushort peerWindow = 65535, TcpEndpointOptions? options = null, bool timestamps = false, bool sack = false,
        int handshakeRttMs = 0)
    {
        options ??= new TcpEndpointOptions { QuickAck = false };
        TcpListenSocket listener = Listen(options: options);
        TcpSegment syn = Seg(TcpFlags.Syn, peerIss, 0, peerWindow);
        syn.Mss = PeerMss;
        if (timestamps)
        {
            syn.HasTimestamp = true;
            syn.TsVal = 100;
        }
        syn.SackPermitted = sack;
        Send(syn);
        Expect(TcpFlags.Syn | TcpFlags.Ack, seq: Iss, ack: peerIss + 1);
        TcpSegment ack = Seg(TcpFlags.Ack, peerIss + 1, Iss + 1, peerWindow);
        if (timestamps)
        {
            ack.HasTimestamp = true;
            ack.TsVal = 101;
            ack.TsEcr = 1;
        }
        if (handshakeRttMs > 0)
        {
            Advance(handshakeRttMs);
        }
        Send(ack);
        TcpEndpoint? ep = listener.TryAccept(false, out _);
        Assert.NotNull(ep);
        Assert.Equal(TcpConnectionState.Established, ep.State);
        ExpectNothing();
        return ep;
    }

    public void Dispose()
    {
        while (Host.Sent.TryDequeue(out PacketBuffer? p))
        {
            p.Release();
        }
    }
}

/// <summary>
/// An <see cref="ITcpHost"/> that records what TCP sends and runs timers on a manual clock. It records each segment
/// when TCP sends it, whatever the transmit context says: a single-threaded test sees them in the order TCP made
/// them, so its transmit queues stay empty.
/// </summary>
internal sealed class TestTcpHost(ManualTimeProvider time, RouteInfo route) : ITcpHost, IOrderedPacketWriter
{
    private readonly HashSet<(NetAddress, ushort)> _ports = [];

    public Queue<PacketBuffer> Sent { get; } = new();

    public Queue<NetAddress> Sources { get; } = new();

    public PacketPool Pool { get; } = new();

    public TimeProvider TimeProvider => time;

    public TimeSpan Now => time.Elapsed;

    public RouteInfo Route { get; set; } = route;

    /// <summary>The ECN codepoint TCP asked IP to put on each segment in <see cref="Sent"/>, in the same order.</summary>
    public Queue<EcnCodepoint> Ecns { get; } = new();

    /// <summary>The type of service TCP asked IP to put above the ECN bits of each segment in <see cref="Sent"/>, in the same order.</summary>
    public Queue<byte> TypesOfService { get; } = new();

    /// <summary>Whether TCP asked IP for Don't Fragment on each segment in <see cref="Sent"/>, in the same order.</summary>
    public Queue<bool> DontFragments { get; } = new();

    public void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route, in TransmitContext tx, EcnCodepoint ecn = EcnCodepoint.NotEct, byte typeOfService = 0, bool dontFragment = true)
    {
        DontFragments.Enqueue(dontFragment);
        Sent.Enqueue(packet);
        Sources.Enqueue(source);
        Ecns.Enqueue(ecn);
        TypesOfService.Enqueue(typeOfService);
    }

    public bool TryFindRoute(NetAddress destination, out RouteInfo route)
    {
        route = Route;
        return true;
    }

    public ITcpTimer CreateTimer(Action<object?> callback, object? state) =>
        new ManualTimer(time.CreateTimer(s => callback(s), state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));

    public TransmitQueue CreateTransmitQueue() => new(this);

    public void FlushTransmitQueue(TransmitQueue queue, in TransmitContext tx) => queue.Flush();

    void IOrderedPacketWriter.WriteInOrder(PacketBatch batch) =>
        throw new InvalidOperationException("TestTcpHost records segments when they are sent; nothing should be queued.");

    public bool TryReservePort(NetAddress local, ushort port) => _ports.Add((local, port));

    public void ReleasePort(NetAddress local, ushort port) => _ports.Remove((local, port));

    public ushort ReserveConnectionPort(TcpEndpoint endpoint, NetAddress local, NetAddress remote, ushort remotePort)
    {
        for (ushort p = 40000; p < 60000; p++)
        {
            if (!_ports.Contains((local, p)) && endpoint.TryClaimLocalPort(p))
            {
                return p;
            }
        }
        return 0;
    }

    public void ReleaseConnectionPort(NetAddress local, ushort port)
    {
    }
}

/// <summary>A TCP timer on the test's manual clock.</summary>
internal sealed class ManualTimer(ITimer timer) : ITcpTimer
{
    public void Schedule(TimeSpan delay) => timer.Change(delay, Timeout.InfiniteTimeSpan);

    public void Cancel() => timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
}
