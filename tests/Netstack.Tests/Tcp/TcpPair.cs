using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Two stacks over a manually pumped <see cref="ChannelLink"/> pair on a fake clock, optionally with
/// a seeded impairment in each direction. Everything runs on the test thread, so runs repeat exactly.
/// Disposing checks that no packet buffer leaked.
/// </summary>
internal sealed class TcpPair : IDisposable
{
    public static readonly NetAddress A4 = NetAddress.Parse("10.9.0.1");
    public static readonly NetAddress B4 = NetAddress.Parse("10.9.0.2");

    private readonly ChannelLinkPair _links;

    public TcpPair(int mtu = 1500, LinkCapabilities capabilities = LinkCapabilities.None, Impairment? aToB = null, Impairment? bToA = null, int seed = 1, ImpairmentOptions? impairedLink = null)
    {
        _links = ChannelLink.CreatePair(new ChannelLinkOptions { Mtu = mtu, Capabilities = capabilities, DispatchMode = ChannelDispatchMode.Manual });
        ILinkEndpoint linkA = aToB is null ? _links.A : new ImpairingLink(_links.A, aToB);
        if (impairedLink is not null)
        {
            linkA = Impaired = new ImpairedLink(linkA, impairedLink, Clock);
        }
        if (Environment.GetEnvironmentVariable("TCP_PCAP") is string pcap)
        {
            linkA = _sniffer = new PcapSniffer(linkA, pcap, Clock);
        }
        ILinkEndpoint linkB = bToA is null ? _links.B : new ImpairingLink(_links.B, bToA);
        A = new NetStack(new NetStackOptions { TimeProvider = Clock, Pool = Pool, RandomSeed = seed });
        B = new NetStack(new NetStackOptions { TimeProvider = Clock, Pool = Pool, RandomSeed = seed + 1 });
        A.AddInterface(linkA, "10.9.0.1/24", "fd00:9::1/64");
        B.AddInterface(linkB, "10.9.0.2/24", "fd00:9::2/64");
    }

    public ManualTimeProvider Clock { get; } = new();

    public ImpairedLink? Impaired { get; }

    private readonly PcapSniffer? _sniffer;

    public PacketPool Pool { get; } = new();

    public NetStack A { get; }

    public NetStack B { get; }

    public TcpProtocol TcpA => TcpProtocol.For(A);

    public TcpProtocol TcpB => TcpProtocol.For(B);

    public void Pump() => _links.PumpUntilIdle();

    /// <summary>A pair whose A routes <paramref name="prefix"/> (addresses B does not own) to B: B as a forwarder's gateway.</summary>
    public static TcpPair RoutingToB(string prefix)
    {
        var p = new TcpPair();
        Assert.True(p.A.TryFindRoute(B4, out Netstack.Stack.RouteInfo toB));
        p.A.AddRoute(System.Net.IPNetwork.Parse(prefix), toB.InterfaceId);
        return p;
    }

    /// <summary>
    /// Sends all of <paramref name="data"/> from one endpoint and reads it at the other with the synchronous calls
    /// (no async state machines), advancing the fake clock by <paramref name="idleStep"/> only when nothing moved.
    /// </summary>
    public void Transfer(TcpEndpoint from, TcpEndpoint to, byte[] data, byte[] buffer, TimeSpan idleStep)
    {
        int sent = 0;
        int received = 0;
        while (received < data.Length)
        {
            if (sent < data.Length)
            {
                sent += from.Send(data.AsSpan(sent), false, out _);
            }
            Pump();
            int n;
            bool progress = false;
            while ((n = to.Receive(buffer, false, out _, out _)) > 0)
            {
                received += n;
                progress = true;
            }
            if (!progress)
            {
                Clock.Advance(idleStep);
            }
        }
    }

    /// <summary>Pumps, then advances the clock in <paramref name="step"/>s (pumping between) for <paramref name="total"/>.</summary>
    public void Run(TimeSpan total, TimeSpan? step = null)
    {
        TimeSpan s = step ?? TimeSpan.FromMilliseconds(10);
        Pump();
        for (TimeSpan done = TimeSpan.Zero; done < total; done += s)
        {
            Clock.Advance(s);
            Pump();
        }
    }

    /// <summary>Client on A connects to a listener on B port 80; returns both established endpoints.</summary>
    public (TcpEndpoint Client, TcpEndpoint Server, TcpConnectionListener Listener) Connect(TcpEndpointOptions? clientOptions = null, TcpEndpointOptions? serverOptions = null)
    {
        TcpConnectionListener listener = B.ListenTcp(new IPEndPoint(IPAddress.Any, 80), options: serverOptions);
        TcpEndpoint client = TcpA.Connect(B4, 80, out SocketError error, clientOptions);
        Assert.Equal(SocketError.Success, error);
        TcpEndpoint? server = null;
        for (int i = 0; i < 1000 && server is null; i++)
        {
            Pump();
            server = listener.Socket.TryAccept(false, out _);
            if (server is null)
            {
                Clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }
        Assert.NotNull(server);
        Assert.Equal(SocketError.Success, client.PollConnect(false));
        return (client, server, listener);
    }

    /// <summary>
    /// Moves <paramref name="data"/> from <paramref name="from"/> to <paramref name="to"/> with the
    /// synchronous endpoint calls, advancing the clock when nothing moves; returns what arrived.
    /// </summary>
    public byte[] Transfer(TcpEndpoint from, TcpEndpoint to, byte[] data, TimeSpan? limit = null, bool close = false)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        bool endOfStream = false;
        bool ReadAll()
        {
            bool any = false;
            while (true)
            {
                int r = to.Receive(buffer, false, out bool eof, out SocketError error);
                Assert.Equal(SocketError.Success, error);
                if (r == 0)
                {
                    endOfStream = eof;
                    return any;
                }
                received.Write(buffer, 0, r);
                any = true;
            }
        }
        if (!Drive(from, data, close, ReadAll, () => endOfStream || (!close && received.Length == data.Length), limit))
        {
            Assert.Fail($"transfer stalled: {received.Length} of {data.Length} bytes after {limit}; from {from.GetInfo()}, to {to.GetInfo()}");
        }
        return received.ToArray();
    }

    /// <summary>
    /// Sends <paramref name="data"/> from <paramref name="from"/> as its window allows (then a FIN when
    /// <paramref name="close"/>), pumping and calling <paramref name="read"/> (true when it took anything) after each
    /// send, and advancing the clock 5 ms when nothing moved; true once <paramref name="done"/> is, false when
    /// <paramref name="limit"/> of stack time (10 minutes) passed first.
    /// </summary>
    public bool Drive(TcpEndpoint from, byte[] data, bool close, Func<bool> read, Func<bool> done, TimeSpan? limit = null)
    {
        int sent = 0;
        bool closed = false;
        TimeSpan deadline = Clock.Elapsed + (limit ?? TimeSpan.FromMinutes(10));
        while (Clock.Elapsed < deadline)
        {
            bool progress = false;
            if (sent < data.Length)
            {
                int n = from.Send(data.AsSpan(sent), false, out SocketError error);
                Assert.Equal(SocketError.Success, error);
                sent += n;
                progress |= n > 0;
            }
            else if (close && !closed)
            {
                from.Shutdown();
                closed = true;
            }
            Pump();
            progress |= read();
            if (done())
            {
                return true;
            }
            if (!progress)
            {
                Clock.Advance(TimeSpan.FromMilliseconds(5));
            }
        }
        return false;
    }

    public void Dispose()
    {
        _sniffer?.Dispose();
        Impaired?.Dispose();
        _links.Dispose();
        A.Dispose();
        B.Dispose();
        Assert.Equal(0, Pool.Outstanding);
    }
}

/// <summary>Seeded loss, duplication and reordering for one direction of a test link.</summary>
internal sealed record Impairment(double Loss = 0, double Duplicate = 0, double Reorder = 0, int Seed = 7)
{
    public Func<PacketBuffer, bool>? DropIf { get; init; }
}

/// <summary>A test-only wrapper that impairs what a link writes (until the link helper's ImpairedLink is merged).</summary>
internal sealed class ImpairingLink(ILinkEndpoint inner, Impairment impairment) : ILinkEndpoint, INetworkDispatcher
{
    private INetworkDispatcher? _dispatcher;

    private readonly Random _random = new(impairment.Seed);
    private readonly PacketBatch _out = new(256);
    private PacketBuffer? _held;

    public int Mtu => inner.Mtu;

    public int LinkHeaderLength => inner.LinkHeaderLength;

    public LinkCapabilities Capabilities => inner.Capabilities;

    public int GsoMaxSize => inner.GsoMaxSize;

    public void Attach(INetworkDispatcher dispatcher)
    {
        _dispatcher = dispatcher;
        inner.Attach(this);
    }

    // The stack knows the wrapper, not the inner link: deliver in the wrapper's name.
    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch) => _dispatcher!.DeliverPackets(this, batch);

    public void WritePackets(PacketBatch batch)
    {
        lock (_out)
        {
            foreach (PacketBuffer p in batch.AsSpan())
            {
                if (impairment.DropIf?.Invoke(p) == true || _random.NextDouble() < impairment.Loss)
                {
                    p.Release();
                    continue;
                }
                if (_random.NextDouble() < impairment.Duplicate)
                {
                    _out.Add(p.Pool!.RentCopy(p.Span));
                }
                if (_held is null && _random.NextDouble() < impairment.Reorder)
                {
                    _held = p;
                    continue;
                }
                _out.Add(p);
                if (_held is not null)
                {
                    _out.Add(_held);
                    _held = null;
                }
            }
            batch.Clear();
            if (_held is not null && _out.Count == 0)
            {
                _out.Add(_held);
                _held = null;
            }
            if (_out.Count > 0)
            {
                inner.WritePackets(_out);
            }
            _out.Clear();
        }
    }

    public void Dispose()
    {
        _held?.Release();
        _held = null;
        inner.Dispose();
    }
}
