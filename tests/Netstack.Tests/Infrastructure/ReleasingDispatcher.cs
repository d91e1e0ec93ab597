using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Tests.Infrastructure;

/// <summary>A dispatcher that only counts and releases what it is handed (allocation-free, for steady-state measurements).</summary>
public sealed class ReleasingDispatcher : INetworkDispatcher
{
    private long _packets;

    public long Packets => Interlocked.Read(ref _packets);

    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        Interlocked.Add(ref _packets, batch.Count);
        batch.ReleaseAll();
    }
}
