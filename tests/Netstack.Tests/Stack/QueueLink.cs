using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Tests.Stack;

/// <summary>
/// A deterministic in-memory link pair for network-layer tests: writes queue at the peer, and nothing moves
/// until the test calls <see cref="Pump"/> on its own thread. <see cref="Filter"/> can inspect, rewrite or drop
/// packets in flight (return false to drop).
/// </summary>
internal sealed class QueueLink(int mtu = 1500) : ILinkEndpoint
{
    private readonly PacketBatch _inbound = new();
    private readonly PacketBatch _delivering = new();
    private INetworkDispatcher? _dispatcher;

    public QueueLink? Peer { get; private set; }

    public int Mtu => mtu;

    public int LinkHeaderLength => 0;

    /// <summary>None unless a test says otherwise (read per delivered batch, so it may change between them).</summary>
    public LinkCapabilities Capabilities { get; set; } = LinkCapabilities.None;

    public int GsoMaxSize => mtu;

    /// <summary>Called for each packet this link writes, before the peer sees it; false drops it.</summary>
    public Func<PacketBuffer, bool>? Filter { get; set; }

    /// <summary>Packets written by this link.</summary>
    public long Written { get; private set; }

    public static (QueueLink A, QueueLink B) CreatePair(int mtu = 1500)
    {
        var a = new QueueLink(mtu);
        var b = new QueueLink(mtu);
        a.Peer = b;
        b.Peer = a;
        return (a, b);
    }

    public void Attach(INetworkDispatcher dispatcher) => _dispatcher = dispatcher;

    public void WritePackets(PacketBatch batch)
    {
        foreach (PacketBuffer p in batch.AsSpan())
        {
            Written++;
            if (Filter is { } f && !f(p))
            {
                p.Release();
                continue;
            }
            Peer!._inbound.Add(p);
        }
        batch.Clear();
    }

    /// <summary>Delivers what is queued for this end; returns how many packets moved.</summary>
    public int Pump()
    {
        if (_inbound.IsEmpty || _dispatcher is null)
        {
            return 0;
        }
        _inbound.MoveTo(_delivering);
        int n = _delivering.Count;
        _dispatcher.DeliverPackets(this, _delivering);
        return n;
    }

    /// <summary>Pumps both ends until nothing moves.</summary>
    public static void PumpUntilIdle(QueueLink a, QueueLink b)
    {
        for (int i = 0; i < 10_000; i++)
        {
            if (a.Pump() + b.Pump() == 0)
            {
                return;
            }
        }
        throw new InvalidOperationException("The links never went idle.");
    }

    public void Dispose()
    {
        _inbound.ReleaseAll();
        _dispatcher = null;
    }
}
