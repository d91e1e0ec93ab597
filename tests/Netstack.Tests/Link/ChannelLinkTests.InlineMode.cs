using Netstack.Buffers;
using Netstack.Link;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Link;

/// <summary><see cref="ChannelDispatchMode.Inline"/>: delivery on the writer's thread, without recursion, under concurrent writers.</summary>
public partial class ChannelLinkTests
{
    [Fact]
    public void InlineModeDeliversOnTheWritersThreadBeforeTheWriteReturns()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Inline });
        var atB = new RecordingDispatcher { ReleaseOnArrival = true };
        Write(pair.A, Packet(pool, 64)); // written before B is attached: waits in B's queue
        Assert.Equal(1, pair.B.Queued);
        pair.B.Attach(atB);
        Assert.Equal(1, atB.Count); // attaching delivered it
        Write(pair.A, Packet(pool, 64), Packet(pool, 64));
        Assert.Equal(3, atB.Count);
        Assert.Equal([Environment.CurrentManagedThreadId], atB.ThreadIds);
        Assert.Throws<InvalidOperationException>(() => pair.Pump());
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void InlineModeRepliesToRepliesDoNotRecurse()
    {
        // Both ends echo every packet back until it has bounced 1,000 times: a ping-pong on one thread. Each end
        // delivers at most once on the stack at a time; the outer delivery drains what its replies queued.
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Inline });
        int depth = 0, maxDepth = 0, bounces = 0;
        void Echo(ILinkEndpoint link, PacketBatch batch)
        {
            depth++;
            maxDepth = Math.Max(maxDepth, depth);
            var replies = new PacketBatch();
            foreach (PacketBuffer p in batch.AsSpan())
            {
                if (++bounces < 1000)
                {
                    replies.Add(Packet(pool, 40));
                }
            }
            link.WritePackets(replies);
            depth--;
        }
        var atA = new RecordingDispatcher { ReleaseOnArrival = true, OnDeliver = Echo };
        var atB = new RecordingDispatcher { ReleaseOnArrival = true, OnDeliver = Echo };
        pair.A.Attach(atA);
        pair.B.Attach(atB);
        Write(pair.A, Packet(pool, 40));
        Assert.Equal(1000, bounces);
        Assert.Equal(1000, atA.Count + atB.Count);
        Assert.Equal(2, maxDepth); // B's delivery, and inside it A's: never B again
        Assert.Equal(0, pair.A.Queued + pair.B.Queued);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void InlineModeConcurrentWritersLoseNothing()
    {
        // Four threads write to both ends at once while the receivers answer each packet; whoever finds an end
        // busy leaves its packets to the thread delivering there, which must look again before it leaves.
        var pool = new PacketPool();
        const int perThread = 5000;
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Inline, QueueLimit = 4 * perThread });
        int answered = 0;
        void Answer(ILinkEndpoint link, PacketBatch batch)
        {
            var replies = new PacketBatch();
            foreach (PacketBuffer p in batch.AsSpan())
            {
                if (p.Length == 100)
                {
                    replies.Add(Packet(pool, 40));
                    Interlocked.Increment(ref answered);
                }
            }
            link.WritePackets(replies);
        }
        var atA = new RecordingDispatcher { ReleaseOnArrival = true, OnDeliver = Answer };
        var atB = new RecordingDispatcher { ReleaseOnArrival = true, OnDeliver = Answer };
        pair.A.Attach(atA);
        pair.B.Attach(atB);
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            ChannelLink from = t % 2 == 0 ? pair.A : pair.B;
            var batch = new PacketBatch();
            for (int i = 0; i < perThread; i++)
            {
                batch.Add(Packet(pool, 100));
                from.WritePackets(batch);
            }
        });
        Assert.Equal(4 * perThread, answered);
        Assert.Equal(4 * perThread * 2, atA.Count + atB.Count); // every packet and every answer arrived
        Assert.Equal(0, pair.A.Drops + pair.B.Drops);
        Assert.Equal(0, pair.A.Queued + pair.B.Queued);
        Assert.Equal(0, pool.Outstanding);
    }
}
