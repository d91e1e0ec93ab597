using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Tests.Infrastructure;

/// <summary>
/// A hand-driven link for testing wrappers and layers above links: it keeps what is written to it (owning the
/// references) and delivers what the test hands to <see cref="Receive"/> synchronously on the test's thread.
/// </summary>
public sealed class TestLink(int mtu = 1500, int linkHeaderLength = 0, LinkCapabilities capabilities = LinkCapabilities.None, int gsoMaxSize = 65536)
    : ILinkEndpoint
{
    private readonly List<PacketBuffer> _written = [];
    private readonly Lock _lock = new();

    public int Mtu => mtu;

    public int LinkHeaderLength => linkHeaderLength;

    public LinkCapabilities Capabilities => capabilities;

    public int GsoMaxSize => gsoMaxSize;

    public INetworkDispatcher? Dispatcher { get; private set; }

    public bool IsDisposed { get; private set; }

    public int WriteCalls { get; private set; }

    /// <summary>A copy of the packets written so far, in order.</summary>
    public List<PacketBuffer> Written
    {
        get
        {
            lock (_lock)
            {
                return [.. _written];
            }
        }
    }

    public void Attach(INetworkDispatcher dispatcher) => Dispatcher = dispatcher;

    public void WritePackets(PacketBatch batch)
    {
        lock (_lock)
        {
            WriteCalls++;
            foreach (PacketBuffer p in batch.AsSpan())
            {
                _written.Add(p);
            }
        }
        batch.Clear();
    }

    /// <summary>Delivers the packets (their references) to the attached dispatcher as one batch.</summary>
    public void Receive(params PacketBuffer[] packets)
    {
        var batch = new PacketBatch();
        foreach (PacketBuffer p in packets)
        {
            batch.Add(p);
        }
        if (Dispatcher is null)
        {
            batch.ReleaseAll();
            return;
        }
        Dispatcher.DeliverPackets(this, batch);
    }

    /// <summary>Releases the written packets and forgets them.</summary>
    public void ReleaseWritten()
    {
        lock (_lock)
        {
            foreach (PacketBuffer p in _written)
            {
                p.Release();
            }
            _written.Clear();
        }
    }

    public void Dispose()
    {
        IsDisposed = true;
        ReleaseWritten();
    }
}
