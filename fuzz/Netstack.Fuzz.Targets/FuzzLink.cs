using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Fuzz;

/// <summary>
/// The in-memory link a fuzz run feeds: <see cref="Deliver"/> hands a batch to the stack on the caller's thread,
/// and what the stack writes is shown to <see cref="Observe"/> (to learn the stack's sequence numbers) and released.
/// </summary>
internal sealed class FuzzLink(LinkCapabilities capabilities, int mtu = 1500) : ILinkEndpoint
{
    private INetworkDispatcher? _dispatcher;

    public int Mtu => mtu;

    public int LinkHeaderLength => 0;

    public LinkCapabilities Capabilities => capabilities;

    public int GsoMaxSize => mtu;

    /// <summary>Sees each packet the stack writes, before it is released.</summary>
    public Action<PacketBuffer>? Observe { get; set; }

    /// <summary>Packets the stack wrote.</summary>
    public long Written { get; private set; }

    public void Attach(INetworkDispatcher dispatcher) => _dispatcher = dispatcher;

    public void Deliver(PacketBatch batch)
    {
        if (_dispatcher is null)
        {
            batch.ReleaseAll();
            return;
        }
        _dispatcher.DeliverPackets(this, batch);
    }

    public void WritePackets(PacketBatch batch)
    {
        foreach (PacketBuffer p in batch.AsSpan())
        {
            Written++;
            Observe?.Invoke(p);
            p.Release();
        }
        batch.Clear();
    }

    public void Dispose() => _dispatcher = null;
}
