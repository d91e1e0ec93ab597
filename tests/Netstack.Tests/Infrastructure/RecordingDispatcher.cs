using Netstack.Buffers;
using Netstack.Link;

namespace Netstack.Tests.Infrastructure;

/// <summary>
/// A network dispatcher for link tests: keeps every delivered packet (owning its reference) in arrival order,
/// remembers the batch sizes, and lets a test wait — without sleeping — until a number of packets has arrived.
/// An optional callback runs inside each delivery (to answer from the dispatcher thread, for instance).
/// </summary>
public sealed class RecordingDispatcher : INetworkDispatcher
{
    private readonly object _gate = new();
    private readonly List<PacketBuffer> _packets = [];
    private readonly List<int> _batchSizes = [];

    /// <summary>Runs for each delivered batch before the packets are recorded.</summary>
    public Action<ILinkEndpoint, PacketBatch>? OnDeliver { get; set; }

    /// <summary>When true, packets are released on arrival instead of kept (only counted).</summary>
    public bool ReleaseOnArrival { get; set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received;
            }
        }
    }

    private int _received;

    /// <summary>The threads deliveries ran on.</summary>
    public HashSet<int> ThreadIds { get; } = [];

    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        OnDeliver?.Invoke(link, batch);
        lock (_gate)
        {
            ThreadIds.Add(Environment.CurrentManagedThreadId);
            _batchSizes.Add(batch.Count);
            _received += batch.Count;
            foreach (PacketBuffer p in batch.AsSpan())
            {
                if (ReleaseOnArrival)
                {
                    p.Release();
                }
                else
                {
                    _packets.Add(p);
                }
            }
            batch.Clear();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>A copy of the packets kept so far.</summary>
    public List<PacketBuffer> Packets
    {
        get
        {
            lock (_gate)
            {
                return [.. _packets];
            }
        }
    }

    public List<int> BatchSizes
    {
        get
        {
            lock (_gate)
            {
                return [.. _batchSizes];
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> packets have arrived; false if the (generous) timeout passes first.</summary>
    public bool WaitFor(int count, int timeoutMilliseconds = 30_000)
    {
        lock (_gate)
        {
            while (_received < count)
            {
                if (!Monitor.Wait(_gate, timeoutMilliseconds))
                {
                    return _received >= count;
                }
            }
            return true;
        }
    }

    /// <summary>Releases every kept packet.</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            foreach (PacketBuffer p in _packets)
            {
                p.Release();
            }
            _packets.Clear();
        }
    }
}
