using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Offload;
using Netstack.Wire;

namespace Netstack.Tests.Link;

public class ImpairedLinkTests
{
    private const int N = 10_000;

    /// <summary>A 64-byte packet whose first four bytes are its number.</summary>
    private static PacketBuffer Numbered(PacketPool pool, int number)
    {
        PacketBuffer p = pool.Rent(64);
        Span<byte> b = p.Append(64);
        b.Fill(0x5A);
        BinaryPrimitives.WriteInt32BigEndian(b, number);
        return p;
    }

    private static int NumberOf(PacketBuffer p) => BinaryPrimitives.ReadInt32BigEndian(p.Span);

    /// <summary>Writes packets 0..count-1 through the link, one write of up to 16 at a time.</summary>
    private static void SendNumbered(ImpairedLink link, PacketPool pool, int count)
    {
        var batch = new PacketBatch();
        for (int i = 0; i < count; i++)
        {
            batch.Add(Numbered(pool, i));
            if (batch.Count == 16 || i == count - 1)
            {
                link.WritePackets(batch);
            }
        }
    }

    private static List<int> Numbers(List<PacketBuffer> packets) => packets.ConvertAll(NumberOf);

    /// <summary>Asserts <paramref name="observed"/> of <paramref name="trials"/> is within 5 standard deviations of the expected rate.</summary>
    private static void AssertRate(double probability, long observed, int trials)
    {
        double mean = probability * trials;
        double sigma = Math.Sqrt(trials * probability * (1 - probability));
        Assert.InRange(observed, (long)(mean - 5 * sigma), (long)Math.Ceiling(mean + 5 * sigma));
    }

    private static List<int> RunLoss(int seed, PacketPool pool)
    {
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Loss = 0.1, Seed = seed });
        SendNumbered(link, pool, N);
        List<int> survivors = Numbers(inner.Written);
        Assert.Equal(N, link.Outbound.Packets);
        Assert.Equal(N - survivors.Count, link.Outbound.Lost);
        AssertRate(0.1, link.Outbound.Lost, N);
        Assert.Equal(survivors.Order(), survivors); // loss alone keeps the order
        return survivors;
    }

    [Fact]
    public void LossMatchesItsProbabilityAndReplaysForASeed()
    {
        var pool = new PacketPool();
        List<int> first = RunLoss(42, pool);
        List<int> again = RunLoss(42, pool);
        List<int> other = RunLoss(43, pool);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void DuplicatesAreIndependentCopies()
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Duplicate = 0.2, Seed = 1 });
        SendNumbered(link, pool, N);
        List<PacketBuffer> written = inner.Written;
        AssertRate(0.2, link.Outbound.Duplicated, N);
        Assert.Equal(N + link.Outbound.Duplicated, written.Count);
        int pairs = 0;
        for (int i = 1; i < written.Count; i++)
        {
            if (NumberOf(written[i]) == NumberOf(written[i - 1]))
            {
                pairs++;
                Assert.NotSame(written[i], written[i - 1]);
                Assert.True(written[i].Span.SequenceEqual(written[i - 1].Span));
                Assert.Equal(1, written[i].ReferenceCount);
            }
        }
        Assert.Equal(link.Outbound.Duplicated, pairs);
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void CorruptionFlipsExactlyOneBitAndSparesSharedBuffers()
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Corrupt = 0.05, Seed = 7 });
        SendNumbered(link, pool, N);
        AssertRate(0.05, link.Outbound.Corrupted, N);
        byte[] clean = new byte[64];
        int damaged = 0;
        foreach (PacketBuffer p in inner.Written)
        {
            ReadOnlySpan<byte> bytes = p.Span;
            int number = NumberOf(p);
            int bitsDifferent = 0;
            // The number itself may be the damaged part: compare the payload, and the number against its neighbours' range.
            clean.AsSpan().Fill(0x5A);
            for (int i = 4; i < 64; i++)
            {
                bitsDifferent += int.PopCount(bytes[i] ^ clean[i]);
            }
            if ((uint)number >= N)
            {
                bitsDifferent++;
            }
            Assert.InRange(bitsDifferent, 0, 1);
            damaged += bitsDifferent;
        }
        Assert.InRange(damaged, link.Outbound.Corrupted * 9 / 10, link.Outbound.Corrupted); // a flip in a small number may go unseen
        inner.ReleaseWritten();

        // A buffer someone else still holds (a TCP retransmission queue) keeps its bytes: the link damages a copy.
        using var always = new ImpairedLink(inner, new ImpairmentOptions { Corrupt = 1, Seed = 7 });
        PacketBuffer shared = Numbered(pool, 5);
        shared.AddReference();
        var batch = new PacketBatch();
        batch.Add(shared);
        always.WritePackets(batch);
        PacketBuffer sent = Assert.Single(inner.Written);
        Assert.NotSame(shared, sent);
        Assert.Equal(5, NumberOf(shared));
        Assert.True(shared.Span[4..].IndexOfAnyExcept((byte)0x5A) < 0);
        Assert.Equal(1, shared.ReferenceCount);
        shared.Release();
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CorruptingASuperSegmentDamagesOneOfItsWirePacketsWhoseChecksumThenFails(bool v6)
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Corrupt = 1, Seed = 3 });
        var spec = new OffloadPackets.Spec { V6 = v6 };
        PacketBuffer super = OffloadPackets.Packet(pool, spec, OffloadPackets.Payload(10 * OffloadPackets.Mss));
        // As TCP hands it down: the checksum field holds only the pseudo-header sum, the link completes it.
        Span<byte> tcp = super.Span[spec.IpHeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..],
            Checksum.Fold(Checksum.PseudoHeader(spec.Source, spec.Destination, IpProtocol.Tcp, tcp.Length)));
        super.Offload = new OffloadInfo
        {
            GsoType = v6 ? GsoType.TcpV6 : GsoType.TcpV4,
            GsoSize = OffloadPackets.Mss,
            HeaderLength = (ushort)spec.HeaderLength,
            ChecksumStart = (ushort)spec.IpHeaderLength,
            ChecksumOffset = TcpHeader.ChecksumOffset,
            NeedsChecksum = true,
        };
        var batch = new PacketBatch();
        batch.Add(super);
        link.WritePackets(batch);

        Assert.Equal(10, inner.Written.Count);
        Assert.Equal(1, link.Outbound.Corrupted);
        int bad = 0;
        foreach (PacketBuffer p in inner.Written)
        {
            Assert.Equal(GsoType.None, p.Offload.GsoType);
            Assert.False(p.Offload.NeedsChecksum);
            Assert.False(p.Offload.ChecksumValid);
            bad += ChecksumsHold(p.Span, v6) ? 0 : 1;
        }
        Assert.Equal(1, bad); // the damaged one, which a receiver now detects
        Assert.False(ChecksumsHold(inner.Written[0].Span, v6));
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    /// <summary>netem's <c>ecn</c>: what loss picks is marked CE when ECT (IPv4 checksum still right, IPv6 traffic class bits), dropped when Not-ECT.</summary>
    [Fact]
    public void EcnMarksEctPacketsInsteadOfDroppingThem()
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Loss = 1, Ecn = true, Seed = 1 });
        NetAddress a4 = NetAddress.Parse("10.9.0.1"), b4 = NetAddress.Parse("10.9.0.2");
        NetAddress a6 = NetAddress.Parse("fd00:9::1"), b6 = NetAddress.Parse("fd00:9::2");
        var batch = new PacketBatch();
        foreach ((bool v6, EcnCodepoint ecn) in new[] { (false, EcnCodepoint.Ect0), (false, EcnCodepoint.Ect1), (true, EcnCodepoint.Ect0), (false, EcnCodepoint.NotEct), (true, EcnCodepoint.NotEct), (false, EcnCodepoint.Ce) })
        {
            PacketBuffer p = pool.Rent(100);
            Span<byte> b = p.Append(60);
            b.Clear();
            if (v6)
            {
                Ipv6Header.Write(b, a6, b6, IpProtocol.Udp, 20, 64, trafficClass: (byte)(0xB8 | (byte)ecn), flowLabel: 0xABCDE);
            }
            else
            {
                Ipv4Header.Write(b, a4, b4, IpProtocol.Udp, 60, 7, 64, typeOfService: (byte)(0xB8 | (byte)ecn));
            }
            batch.Add(p);
        }

        link.WritePackets(batch);

        Assert.Equal(3, inner.Written.Count); // the Not-ECT ones are dropped, and a packet already CE (netem's INET_ECN_set_ce fails)
        Assert.Equal(3, link.Outbound.Lost);
        Assert.Equal(3, link.Outbound.Marked);
        foreach (PacketBuffer p in inner.Written)
        {
            if ((p.Span[0] >> 4) == 4)
            {
                Assert.True(Ipv4Header.TryParse(p.Span, out Ipv4Header ip));
                Assert.Equal((byte)EcnCodepoint.Ce, ip.Ecn);
                Assert.Equal(0xB8 >> 2, ip.Dscp);
                Assert.True(ip.IsChecksumValid);
            }
            else
            {
                Assert.True(Ipv6Header.TryParse(p.Span, out Ipv6Header ip));
                Assert.Equal(0xB8 | (byte)EcnCodepoint.Ce, ip.TrafficClass);
                Assert.Equal(0xABCDEu, ip.FlowLabel);
            }
        }
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    /// <summary>Whether the IPv4 header checksum (if any) and the TCP checksum of a whole packet are right.</summary>
    private static bool ChecksumsHold(Span<byte> packet, bool v6)
    {
        if (v6)
        {
            Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip6));
            Assert.True(TcpHeader.TryParse(packet[Ipv6Header.Length..], out TcpHeader tcp6));
            return ip6.PayloadLength == packet.Length - Ipv6Header.Length && tcp6.IsChecksumValid(ip6.Source, ip6.Destination);
        }
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.True(TcpHeader.TryParse(packet[ip.HeaderLength..], out TcpHeader tcp));
        return ip.IsChecksumValid && ip.TotalLength == packet.Length && tcp.IsChecksumValid(ip.Source, ip.Destination);
    }

    [Fact]
    public void ReorderedPacketsLeaveRightAfterTheirSuccessor()
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        var link = new ImpairedLink(inner, new ImpairmentOptions { Reorder = 0.1, Seed = 3 });
        SendNumbered(link, pool, N);
        List<int> order = Numbers(inner.Written);
        AssertRate(0.1, link.Outbound.Reordered, N);
        int swaps = 0;
        int expected = 0;
        for (int i = 0; i < order.Count; i++)
        {
            if (order[i] == expected)
            {
                expected++;
                continue;
            }
            // The packet expected was held: the next one came first, then it.
            Assert.Equal(expected + 1, order[i]);
            Assert.Equal(expected, order[i + 1]);
            swaps++;
            i++;
            expected += 2;
        }
        Assert.Equal(N - link.Pending, order.Count);
        Assert.Equal(link.Outbound.Reordered, swaps + link.Pending);
        link.Dispose();
        Assert.Equal(link.Outbound.Discarded, N - order.Count);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void DelayedPacketsLeaveOnlyWhenTheFakeClockReachesThem()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Delay = TimeSpan.FromMilliseconds(10), Seed = 1 }, clock);
        SendNumbered(link, pool, 3);
        clock.Advance(TimeSpan.FromMilliseconds(4));
        SendNumbered(link, pool, 2);
        Assert.Empty(inner.Written);
        Assert.Equal(5, link.Pending);

        clock.Advance(TimeSpan.FromMilliseconds(5.999));
        Assert.Empty(inner.Written);
        clock.Advance(TimeSpan.FromTicks(10)); // t = 10 ms: the first three
        Assert.Equal([0, 1, 2], Numbers(inner.Written));
        clock.Advance(TimeSpan.FromMilliseconds(3.999));
        Assert.Equal(3, inner.Written.Count);
        clock.Advance(TimeSpan.FromMilliseconds(0.001)); // t = 14 ms: the other two
        Assert.Equal([0, 1, 2, 0, 1], Numbers(inner.Written));
        Assert.Equal(5, link.Outbound.Delayed);
        Assert.Equal(0, link.Pending);
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void JitterKeepsEveryPacketWithinItsWindow()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var inner = new TestLink();
        using var link = new ImpairedLink(inner, new ImpairmentOptions
        {
            Delay = TimeSpan.FromMilliseconds(20),
            Jitter = TimeSpan.FromMilliseconds(5),
            Seed = 11,
        }, clock);
        SendNumbered(link, pool, 1000);
        clock.Advance(TimeSpan.FromMilliseconds(14.999));
        Assert.Empty(inner.Written);
        clock.Advance(TimeSpan.FromMilliseconds(5.001));
        int byMiddle = inner.Written.Count;
        AssertRate(0.5, byMiddle, 1000);
        clock.Advance(TimeSpan.FromMilliseconds(5));
        List<int> order = Numbers(inner.Written);
        Assert.Equal(1000, order.Count);
        Assert.NotEqual(order.Order(), order); // jitter reorders, as on a real path
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void DirectionChoosesWhatIsImpaired()
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        var stack = new RecordingDispatcher { ReleaseOnArrival = true };
        ILinkEndpoint? deliveredBy = null;
        stack.OnDeliver = (l, _) => deliveredBy = l;
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Loss = 1, Direction = ImpairmentDirection.Inbound, Seed = 1 });
        link.Attach(stack);
        Assert.Same(link, inner.Dispatcher);

        SendNumbered(link, pool, 10);
        Assert.Equal(10, inner.Written.Count);
        Assert.Equal(0, link.Outbound.Packets);
        for (int i = 0; i < 10; i++)
        {
            inner.Receive(Numbered(pool, i));
        }
        Assert.Equal(0, stack.Count);
        Assert.Equal(10, link.Inbound.Lost);

        using var outboundOnly = new ImpairedLink(new TestLink(), new ImpairmentOptions { Loss = 1, Direction = ImpairmentDirection.Outbound, Seed = 1 });
        var stack2 = new RecordingDispatcher { ReleaseOnArrival = true };
        stack2.OnDeliver = (l, _) => deliveredBy = l;
        outboundOnly.Attach(stack2);
        ((TestLink)outboundOnly.Inner).Receive(Numbered(pool, 1));
        Assert.Equal(1, stack2.Count);
        Assert.Same(outboundOnly, deliveredBy);

        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void InboundDelayDeliversFromTheTimer()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var inner = new TestLink();
        var stack = new RecordingDispatcher();
        using var link = new ImpairedLink(inner, new ImpairmentOptions { Delay = TimeSpan.FromMilliseconds(1), Direction = ImpairmentDirection.Inbound }, clock);
        link.Attach(stack);
        inner.Receive(Numbered(pool, 1), Numbered(pool, 2));
        Assert.Equal(0, stack.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1, 2], Numbers(stack.Packets));
        stack.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void DisposeReleasesHeldAndDelayedPackets()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var inner = new TestLink();
        var link = new ImpairedLink(inner, new ImpairmentOptions { Delay = TimeSpan.FromSeconds(1), Reorder = 0.5, Seed = 5 }, clock);
        SendNumbered(link, pool, 100);
        Assert.Equal(100, link.Pending + (int)link.Outbound.Lost);
        link.Dispose();
        Assert.True(inner.IsDisposed);
        Assert.Equal(100, link.Outbound.Discarded);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(inner.Written);
        SendNumbered(link, pool, 1); // after dispose: released, not sent
        Assert.Equal(101, link.Outbound.Discarded);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void EverythingAtOnceBetweenTwoChannelEndsLeaksNothing()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var options = new ImpairmentOptions
        {
            Loss = 0.05,
            Duplicate = 0.05,
            Reorder = 0.05,
            Corrupt = 0.05,
            Delay = TimeSpan.FromMilliseconds(2),
            Jitter = TimeSpan.FromMilliseconds(1),
            Seed = 99,
        };
        ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Manual, QueueLimit = 100_000 });
        var a = new ImpairedLink(pair.A, options, clock);
        var b = new ImpairedLink(pair.B, options, clock);
        var atA = new ReleasingDispatcher();
        var atB = new ReleasingDispatcher();
        a.Attach(atA);
        b.Attach(atB);
        var batch = new PacketBatch();
        for (int i = 0; i < 2000; i++)
        {
            batch.Add(Numbered(pool, i));
            a.WritePackets(batch);
            batch.Add(Numbered(pool, i));
            b.WritePackets(batch);
            if (i % 10 == 0)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
                pair.PumpUntilIdle();
            }
        }
        clock.Advance(TimeSpan.FromSeconds(1));
        pair.PumpUntilIdle();
        Assert.True(atB.Packets > 1500, $"B received {atB.Packets}");
        Assert.True(atA.Packets > 1500, $"A received {atA.Packets}");
        Assert.True(a.Outbound.Corrupted > 0 && a.Inbound.Duplicated > 0);
        a.Dispose();
        b.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void ProbabilitiesOutsideZeroToOneAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(new TestLink(), new ImpairmentOptions { Loss = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(new TestLink(), new ImpairmentOptions { Corrupt = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(new TestLink(), new ImpairmentOptions { Delay = TimeSpan.FromTicks(-1) }));
    }
}
