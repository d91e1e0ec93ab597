using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Link;

public partial class ChannelLinkTests
{
    private static readonly ChannelLinkOptions Manual = new() { DispatchMode = ChannelDispatchMode.Manual };

    private static PacketBuffer Packet(PacketPool pool, int length, byte fill = 0x45)
    {
        PacketBuffer p = pool.Rent(length);
        p.Append(length).Fill(fill);
        return p;
    }

    private static void Write(ChannelLink link, params PacketBuffer[] packets)
    {
        var batch = new PacketBatch();
        foreach (PacketBuffer p in packets)
        {
            batch.Add(p);
        }
        link.WritePackets(batch);
        Assert.True(batch.IsEmpty);
    }

    [Fact]
    public void ManualModeMovesTheSamePacketsBothWaysOnlyWhenPumped()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(Manual);
        var (a, b) = pair;
        var atA = new RecordingDispatcher();
        var atB = new RecordingDispatcher();
        a.Attach(atA);
        b.Attach(atB);

        PacketBuffer p1 = Packet(pool, 100, 1), p2 = Packet(pool, 200, 2);
        Write(a, p1, p2);
        Write(b, Packet(pool, 300, 3));
        Assert.Equal(0, atB.Count);
        Assert.Equal(2, b.Queued);

        Assert.Equal(3, pair.Pump());
        Assert.Equal([p1, p2], atB.Packets); // the very same buffers: no copy
        Assert.Equal(300, Assert.Single(atA.Packets).Length);
        Assert.Equal(2, a.TxPackets);
        Assert.Equal(300, a.TxBytes);
        Assert.Equal(2, b.RxPackets);
        Assert.Equal(300, b.RxBytes);
        Assert.Equal([Environment.CurrentManagedThreadId], atB.ThreadIds);

        atA.ReleaseAll();
        atB.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void RepliesSentDuringDeliveryWaitForTheNextRound()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(Manual);
        var atA = new RecordingDispatcher { ReleaseOnArrival = true };
        var atB = new RecordingDispatcher { ReleaseOnArrival = true };
        // B answers every packet with one of its own, from inside the delivery (as a stack's ACK would).
        atB.OnDeliver = (link, batch) =>
        {
            var replies = new PacketBatch();
            for (int i = 0; i < batch.Count; i++)
            {
                replies.Add(Packet(pool, 40));
            }
            link.WritePackets(replies);
        };
        pair.A.Attach(atA);
        pair.B.Attach(atB);

        Write(pair.A, Packet(pool, 100), Packet(pool, 100));
        Assert.Equal(2, pair.Pump()); // A's queue was empty when pumped; B got 2 and answered
        Assert.Equal(0, atA.Count);
        Assert.Equal(2, pair.A.Queued);
        Assert.Equal(2, pair.PumpUntilIdle());
        Assert.Equal(2, atA.Count);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void PumpUntilIdleGivesUpOnEndlessPingPong()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(Manual);
        var echo = new RecordingDispatcher { ReleaseOnArrival = true };
        echo.OnDeliver = (link, batch) =>
        {
            var replies = new PacketBatch();
            replies.Add(Packet(pool, 40));
            link.WritePackets(replies);
        };
        pair.A.Attach(echo);
        pair.B.Attach(echo);
        Write(pair.A, Packet(pool, 40));
        Assert.Throws<InvalidOperationException>(() => pair.PumpUntilIdle(maxRounds: 50));
        pair.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void ThreadModeDeliversBothWaysInBatchesOnDispatcherThreads()
    {
        var pool = new PacketPool();
        const int count = 2000;
        var atA = new RecordingDispatcher { ReleaseOnArrival = true };
        var atB = new RecordingDispatcher { ReleaseOnArrival = true };
        using (ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { QueueLimit = count }))
        {
            pair.A.Attach(atA);
            pair.B.Attach(atB);
            var batch = new PacketBatch();
            for (int i = 0; i < count; i++)
            {
                batch.Add(Packet(pool, 64));
                pair.A.WritePackets(batch);
                batch.Add(Packet(pool, 64));
                pair.B.WritePackets(batch);
            }
            Assert.True(atA.WaitFor(count), $"A received {atA.Count} of {count}");
            Assert.True(atB.WaitFor(count), $"B received {atB.Count} of {count}");
            Assert.Equal(0, pair.A.Drops + pair.B.Drops);
        }
        Assert.Equal(count, atA.Count);
        Assert.Equal(count, atB.Count);
        Assert.All(atB.BatchSizes, n => Assert.InRange(n, 1, PacketBatch.DefaultCapacity));
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, atA.ThreadIds);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, atB.ThreadIds);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void ThreadModeDisposeWaitsForTheCurrentDeliveryOnlyAndReleasesTheQueue()
    {
        var pool = new PacketPool();
        using var entered = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        var atB = new RecordingDispatcher { ReleaseOnArrival = true };
        atB.OnDeliver = (_, _) =>
        {
            entered.Set();
            proceed.Wait();
        };
        ChannelLinkPair pair = ChannelLink.CreatePair();
        pair.B.Attach(atB);
        Write(pair.A, Packet(pool, 64));
        Assert.True(entered.Wait(30_000));
        // The dispatcher is busy inside a delivery; more packets pile up behind it.
        Write(pair.A, Packet(pool, 64), Packet(pool, 64), Packet(pool, 64));
        Task dispose = Task.Run(pair.Dispose);
        proceed.Set();
        Assert.True(dispose.Wait(30_000), "Dispose did not return after the current delivery finished");
        Assert.InRange(atB.Count, 1, 4); // whatever was not delivered before Dispose was released
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void DisposeFromInsideADeliveryStopsAfterThatBatch()
    {
        var pool = new PacketPool();
        ChannelLinkPair pair = ChannelLink.CreatePair();
        using var done = new ManualResetEventSlim();
        var atB = new RecordingDispatcher { ReleaseOnArrival = true };
        atB.OnDeliver = (_, _) =>
        {
            Write(pair.A, Packet(pool, 64), Packet(pool, 64), Packet(pool, 64));
            pair.B.Dispose(); // on the dispatcher thread itself: must not wait for itself
            done.Set();
        };
        pair.B.Attach(atB);
        Write(pair.A, Packet(pool, 64));
        Assert.True(done.Wait(30_000));
        Assert.True(Task.Run(pair.Dispose).Wait(30_000));
        Assert.True(atB.WaitFor(1));
        Assert.Equal(1, atB.Count);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void ThreadModeDisposeOfAnIdleLinkReturns()
    {
        ChannelLinkPair pair = ChannelLink.CreatePair();
        pair.A.Attach(new RecordingDispatcher());
        pair.B.Attach(new RecordingDispatcher());
        Assert.True(Task.Run(pair.Dispose).Wait(30_000));
        Assert.Throws<ObjectDisposedException>(() => pair.A.Attach(new RecordingDispatcher()));
    }

    [Fact]
    public void PacketsLargerThanTheMtuAreDroppedAndCounted()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { Mtu = 1280, DispatchMode = ChannelDispatchMode.Manual });
        var atB = new RecordingDispatcher { ReleaseOnArrival = true };
        pair.B.Attach(atB);
        Write(pair.A, Packet(pool, 1280), Packet(pool, 1281), Packet(pool, 1280));
        pair.PumpUntilIdle();
        Assert.Equal(2, atB.Count);
        Assert.Equal(1, pair.A.MtuDrops);
        Assert.Equal(1, pair.A.Drops);
        Assert.Equal(2, pair.A.TxPackets);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void SuperSegmentsPassWholeOnlyWhenTheLinkDoesGso()
    {
        var pool = new PacketPool();
        PacketBuffer SuperSegment()
        {
            PacketBuffer p = Packet(pool, 40 + 44 * 1448);
            p.Offload.GsoType = GsoType.TcpV4;
            p.Offload.GsoSize = 1448;
            p.Offload.HeaderLength = 40;
            return p;
        }

        using (ChannelLinkPair plain = ChannelLink.CreatePair(Manual))
        {
            plain.B.Attach(new RecordingDispatcher { ReleaseOnArrival = true });
            Write(plain.A, SuperSegment());
            Assert.Equal(0, plain.PumpUntilIdle());
            Assert.Equal(1, plain.A.MtuDrops);
        }

        var options = new ChannelLinkOptions
        {
            Capabilities = LinkCapabilities.Gso | LinkCapabilities.Gro,
            GsoMaxSize = 65536,
            DispatchMode = ChannelDispatchMode.Manual,
        };
        using (ChannelLinkPair fast = ChannelLink.CreatePair(options))
        {
            var atB = new RecordingDispatcher();
            fast.B.Attach(atB);
            Assert.Equal(LinkCapabilities.Gso | LinkCapabilities.Gro, fast.A.Capabilities);
            Assert.Equal(65536, fast.A.GsoMaxSize);
            PacketBuffer big = SuperSegment();
            Write(fast.A, big, Packet(pool, 65537 - 512)); // the second is over the MTU with no GSO type
            Assert.Equal(1, fast.PumpUntilIdle());
            PacketBuffer arrived = Assert.Single(atB.Packets);
            Assert.Same(big, arrived);
            Assert.Equal(44, arrived.Offload.SegmentCount);
            Assert.Equal(GsoType.TcpV4, arrived.Offload.GsoType);
            Assert.Equal(1, fast.A.MtuDrops);
            atB.ReleaseAll();
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void FullReceiveQueueTailDropsAndCounts()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { QueueLimit = 4, DispatchMode = ChannelDispatchMode.Manual });
        var atB = new RecordingDispatcher();
        pair.B.Attach(atB);
        var batch = new PacketBatch();
        for (int i = 0; i < 10; i++)
        {
            batch.Add(Packet(pool, 64, (byte)i));
        }
        pair.A.WritePackets(batch);
        Assert.Equal(4, pair.B.Queued);
        Assert.Equal(6, pair.B.QueueDrops);
        Assert.Equal(6, pair.B.Drops);
        Assert.Equal(4, pair.A.TxPackets);
        pair.PumpUntilIdle();
        // Tail drop: the first four survive, in order.
        Assert.Equal([0, 1, 2, 3], atB.Packets.Select(p => (int)p.Span[0]));
        atB.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void QueuedPacketsAreReleasedOnDisposeAndLaterWritesAreDropped()
    {
        var pool = new PacketPool();
        ChannelLinkPair pair = ChannelLink.CreatePair(Manual);
        Write(pair.A, Packet(pool, 64), Packet(pool, 64)); // B never attached: they wait
        Assert.Equal(2, pair.B.Queued);
        pair.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Write(pair.A, Packet(pool, 64));
        Assert.Equal(1, pair.A.ClosedDrops);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void PartialChecksumIsCompletedInSoftwareWithoutRxOffload()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions
        {
            Capabilities = LinkCapabilities.TxChecksumOffload,
            DispatchMode = ChannelDispatchMode.Manual,
        });
        var atB = new RecordingDispatcher();
        pair.B.Attach(atB);

        // A UDP datagram 10.9.0.1:1000 -> 10.9.0.2:2000 with only the pseudo-header sum in its checksum field.
        NetAddress src = NetAddress.Parse("10.9.0.1"), dst = NetAddress.Parse("10.9.0.2");
        PacketBuffer p = pool.Rent(8 + 5);
        Span<byte> udp = p.Append(8 + 5);
        BinaryPrimitives.WriteUInt16BigEndian(udp, 1000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 2000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], 13);
        "hello"u8.CopyTo(udp[8..]);
        ulong pseudo = Checksum.PseudoHeader(src, dst, 17, 13);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], Checksum.Fold(pseudo));
        p.Offload.NeedsChecksum = true;
        p.Offload.ChecksumStart = 0;
        p.Offload.ChecksumOffset = 6;

        Write(pair.A, p);
        pair.PumpUntilIdle();
        PacketBuffer arrived = Assert.Single(atB.Packets);
        Assert.False(arrived.Offload.NeedsChecksum);
        Assert.True(Checksum.IsValid(arrived.Span, pseudo));
        atB.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void PartialChecksumArrivesMarkedValidWithRxOffload()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions
        {
            Capabilities = LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload,
            DispatchMode = ChannelDispatchMode.Manual,
        });
        var atB = new RecordingDispatcher();
        pair.B.Attach(atB);
        PacketBuffer p = Packet(pool, 28);
        p.Offload.NeedsChecksum = true;
        p.Offload.ChecksumStart = 20;
        p.Offload.ChecksumOffset = 6;
        Write(pair.A, p);
        pair.PumpUntilIdle();
        PacketBuffer arrived = Assert.Single(atB.Packets);
        Assert.True(arrived.Offload.ChecksumValid);
        Assert.Equal(0x45, arrived.Span[26]); // untouched
        atB.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void PairConvertsToATupleAndDeconstructs()
    {
        using ChannelLinkPair pair = ChannelLink.CreatePair(Manual);
        (ChannelLink A, ChannelLink B) tuple = pair;
        var (a, b) = pair;
        Assert.Same(pair.A, tuple.A);
        Assert.Same(pair.B, b);
        Assert.Same(b, a.Peer);
        Assert.Same(a, b.Peer);
        Assert.Equal(1500, a.Mtu);
        Assert.Equal(0, a.LinkHeaderLength);
    }

    [Fact]
    public void PumpIsRefusedInThreadMode()
    {
        using ChannelLinkPair pair = ChannelLink.CreatePair();
        Assert.Throws<InvalidOperationException>(() => pair.Pump());
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(Manual);
        var sink = new ReleasingDispatcher();
        pair.B.Attach(sink);
        var batch = new PacketBatch();
        void Run(int rounds)
        {
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i < 100; i++)
                {
                    batch.Add(Packet(pool, 100));
                }
                pair.A.WritePackets(batch);
                pair.PumpUntilIdle();
            }
        }
        Run(5); // warm up: the queue grows to its working size, the pool fills
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(50);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(5500, sink.Packets);
        Assert.Equal(0, pool.Outstanding);
    }
}
