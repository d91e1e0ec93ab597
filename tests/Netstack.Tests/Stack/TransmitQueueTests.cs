using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Tests.Stack;

public class TransmitQueueTests
{
    /// <summary>Records the number in the first four bytes of each packet written, yielding now and then so writers overlap.</summary>
    private sealed class OrderRecordingLink : ILinkEndpoint
    {
        private readonly Lock _lock = new();
        private int _writes;

        public List<int> Numbers { get; } = [];


        public int Mtu => 1500;

        public int LinkHeaderLength => 0;

        public LinkCapabilities Capabilities => LinkCapabilities.None;

        public int GsoMaxSize => 1500;

        public void Attach(INetworkDispatcher dispatcher)
        {
        }

        public void WritePackets(PacketBatch batch)
        {
            if (Interlocked.Increment(ref _writes) % 3 == 0)
            {
                Thread.Yield(); // let another writer overtake, if it can
            }
            foreach (PacketBuffer p in batch.AsSpan())
            {
                lock (_lock)
                {
                    Numbers.Add(BinaryPrimitives.ReadInt32BigEndian(p.Span));
                }
                p.Release();
            }
            batch.Clear();
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void PacketsLeaveInTheOrderTheyWereQueuedWhateverThreadFlushes()
    {
        // Four threads play a connection's entry points: each queues a numbered packet under the connection's
        // lock, releases it, then flushes. Flushes overlap, but the link must see 0, 1, 2, ... in order.
        var pool = new PacketPool();
        var link = new OrderRecordingLink();
        using var stack = new NetStack(new NetStackOptions { Pool = pool });
        int nic = stack.AddInterface(link, "10.9.0.1/24");
        TransmitQueue queue = stack.CreateTransmitQueue();
        var connectionLock = new Lock();
        int next = 0;
        const int perThread = 10_000;
        using var start = new Barrier(4);
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                lock (connectionLock)
                {
                    PacketBuffer p = pool.Rent(4);
                    BinaryPrimitives.WriteInt32BigEndian(p.Append(4), next++);
                    p.InterfaceId = nic;
                    queue.Add(p);
                }
                queue.Flush();
            }
        });
        Assert.Equal(Enumerable.Range(0, 4 * perThread), link.Numbers);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void AFlushInsideAFlushLeavesTheWorkToTheOuterOne()
    {
        // A link that delivers inline can bring the flushing thread back to the same connection (the ACK of what
        // it just wrote makes room for more): the nested flush returns at once and the outer loop writes the rest.
        var pool = new PacketPool();
        var recorder = new OrderRecordingLink();
        var link = new ReenteringLink(recorder, pool);
        using var stack = new NetStack(new NetStackOptions { Pool = pool });
        link.Interface = stack.AddInterface(link, "10.9.0.1/24");
        link.Queue = stack.CreateTransmitQueue();
        link.QueueNumber(0);
        link.Queue.Flush();
        Assert.Equal(Enumerable.Range(0, 10), recorder.Numbers);
        Assert.Equal(1, link.MaxDepth);
        Assert.Equal(0, pool.Outstanding);
    }

    /// <summary>Passes packets on to <paramref name="inner"/>; for each it queues the next number on <see cref="Queue"/> and flushes that from inside the write.</summary>
    private sealed class ReenteringLink(OrderRecordingLink inner, PacketPool pool) : ILinkEndpoint
    {
        private int _depth;

        public TransmitQueue Queue { get; set; } = null!;

        public int Interface { get; set; }

        public int MaxDepth { get; private set; }

        public int Mtu => 1500;

        public int LinkHeaderLength => 0;

        public LinkCapabilities Capabilities => LinkCapabilities.None;

        public int GsoMaxSize => 1500;

        public void QueueNumber(int n)
        {
            PacketBuffer p = pool.Rent(4);
            BinaryPrimitives.WriteInt32BigEndian(p.Append(4), n);
            p.InterfaceId = Interface;
            Queue.Add(p);
        }

        public void Attach(INetworkDispatcher dispatcher)
        {
        }

        public void WritePackets(PacketBatch batch)
        {
            _depth++;
            MaxDepth = Math.Max(MaxDepth, _depth);
            int last = BinaryPrimitives.ReadInt32BigEndian(batch[batch.Count - 1].Span);
            inner.WritePackets(batch);
            if (last + 1 < 10)
            {
                QueueNumber(last + 1);
                Queue.Flush(); // nested: must return without writing
            }
            _depth--;
        }

        public void Dispose()
        {
        }
    }
}
