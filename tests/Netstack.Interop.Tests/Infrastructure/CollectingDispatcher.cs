using System.Collections.Concurrent;
using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>A dispatcher for link tests: copies every delivered packet out, releases it, and lets the test wait for one that matches.</summary>
public sealed class CollectingDispatcher : INetworkDispatcher, IDisposable
{
    private readonly BlockingCollection<byte[]> _packets = [];
    private readonly ConcurrentDictionary<string, int> _threads = new();

    /// <summary>Names of the threads that delivered batches, with how many batches each delivered.</summary>
    public IReadOnlyDictionary<string, int> Threads => _threads;

    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        _threads.AddOrUpdate(Thread.CurrentThread.Name ?? "?", 1, (_, n) => n + 1);
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            _packets.Add(packet.Span.ToArray());
            packet.Release();
        }
        batch.Clear();
    }

    /// <summary>Waits (at most <paramref name="timeout"/>, a safety net) for a packet matching <paramref name="match"/>, skipping others.</summary>
    public byte[]? WaitFor(Func<byte[], bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                byte[] packet = _packets.Take(cts.Token);
                if (match(packet))
                {
                    return packet;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _packets.Dispose();
}
