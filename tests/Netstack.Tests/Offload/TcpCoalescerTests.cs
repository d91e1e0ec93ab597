using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Offload;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;
using static Netstack.Tests.Offload.OffloadPackets;

namespace Netstack.Tests.Offload;

public class TcpCoalescerTests
{
    private readonly PacketPool _pool = new();
    private readonly TcpCoalescer _gro = new();

    /// <summary>Consecutive segments of one flow, <paramref name="sizes"/> bytes of payload each, starting at the spec's sequence number and IP id.</summary>
    private static List<(Spec Spec, byte[] Payload)> Flow(Spec s, params int[] sizes)
    {
        var list = new List<(Spec, byte[])>();
        uint seq = s.Seq;
        for (int i = 0; i < sizes.Length; i++)
        {
            list.Add((s with { Seq = seq, IpId = (ushort)(s.IpId + i) }, Payload(sizes[i], seed: i + 1)));
            seq += (uint)sizes[i];
        }
        return list;
    }

    private PacketBatch Batch(IEnumerable<(Spec Spec, byte[] Payload)> segments)
    {
        var batch = new PacketBatch();
        foreach ((Spec spec, byte[] payload) in segments)
        {
            batch.Add(Packet(_pool, spec, payload));
        }
        return batch;
    }

    private static int[] Repeat(int size, int count, params int[] tail) => [.. Enumerable.Repeat(size, count), .. tail];

    /// <summary>The merged packet must read as the original stream: first header, all payload, PSH/FIN if any had it.</summary>
    private static void AssertMerged(PacketBuffer p, List<(Spec Spec, byte[] Payload)> segments, TcpFlags extraFlags = 0)
    {
        Spec first = segments[0].Spec;
        byte[] all = [.. segments.SelectMany(s => s.Payload)];
        byte[] expected = Bytes(first with { Flags = first.Flags | extraFlags }, all);
        Span<byte> actual = p.Span;
        Assert.Equal(expected.Length, actual.Length);
        int ip = first.IpHeaderLength;
        int checksum = ip + TcpHeader.ChecksumOffset;
        // Everything but the TCP checksum, which is left as the pseudo-header sum (CHECKSUM_PARTIAL).
        Assert.True(expected.AsSpan(0, checksum).SequenceEqual(actual[..checksum]));
        Assert.True(expected.AsSpan(checksum + 2).SequenceEqual(actual[(checksum + 2)..]));
        ushort partial = Checksum.Fold(Checksum.PseudoHeader(first.Source, first.Destination, IpProtocol.Tcp, actual.Length - ip));
        Assert.Equal(partial, BinaryPrimitives.ReadUInt16BigEndian(actual[checksum..]));
        Assert.Equal(segments.Count, p.Offload.SegmentCount);
        Assert.Equal(segments[0].Payload.Length, p.Offload.GsoSize);
        Assert.Equal(first.V6 ? GsoType.TcpV6 : GsoType.TcpV4, p.Offload.GsoType);
        Assert.Equal(first.HeaderLength, p.Offload.HeaderLength);
        Assert.True(p.Offload.ChecksumValid);
    }

    private int Coalesce(PacketBatch batch) => _gro.Coalesce(batch, _pool, out _);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Merges_a_run_of_full_segments_and_a_short_last_one(bool v6, bool timestamps)
    {
        var spec = new Spec { V6 = v6, Options = timestamps ? Timestamps(10, 20) : [] };
        int mss = Mss - spec.Options.Length;
        List<(Spec, byte[])> flow = Flow(spec, Repeat(mss, 20, 300));
        PacketBatch batch = Batch(flow);

        Assert.Equal(1, _gro.Coalesce(batch, _pool, out int segments));

        Assert.Equal(21, segments);
        Assert.Equal(1, batch.Count);
        AssertMerged(batch[0], flow);
        batch.ReleaseAll();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Psh_is_merged_as_the_last_segment_and_ends_the_packet()
    {
        var spec = new Spec();
        List<(Spec Spec, byte[] Payload)> flow = Flow(spec, Mss, Mss, Mss, Mss);
        flow[1] = (flow[1].Spec with { Flags = TcpFlags.Ack | TcpFlags.Psh }, flow[1].Payload);
        PacketBatch batch = Batch(flow);

        Assert.Equal(2, Coalesce(batch));

        Assert.Equal(2, batch.Count);
        AssertMerged(batch[0], flow[..2], TcpFlags.Psh);
        AssertMerged(batch[1], flow[2..]);
        batch.ReleaseAll();
    }

    [Fact]
    public void Fin_is_merged_as_the_last_segment()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, Mss, 100);
        flow[2] = (flow[2].Spec with { Flags = TcpFlags.Ack | TcpFlags.Fin | TcpFlags.Psh }, flow[2].Payload);
        PacketBatch batch = Batch(flow);

        Assert.Equal(1, Coalesce(batch));

        AssertMerged(batch[0], flow, TcpFlags.Fin | TcpFlags.Psh);
        batch.ReleaseAll();
    }

    [Fact]
    public void Never_merges_across_a_gap()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, Mss, Mss, Mss);
        flow.RemoveAt(2); // segments 0, 1 and 3: a hole between 1 and 3
        flow[2] = (flow[2].Spec with { IpId = (ushort)(flow[2].Spec.IpId - 1) }, flow[2].Payload);
        PacketBatch batch = Batch(flow);

        Coalesce(batch);

        Assert.Equal(2, batch.Count);
        AssertMerged(batch[0], flow[..2]);
        Assert.True(Bytes(flow[2].Spec, flow[2].Payload).AsSpan().SequenceEqual(batch[1].Span));
        Assert.Equal(GsoType.None, batch[1].Offload.GsoType);
        batch.ReleaseAll();
    }

    public static TheoryData<string> Changes => new()
    {
        "ece", "cwr", "urg", "rst", "syn", "ack-number", "window", "timestamp", "options-length", "ttl", "tos", "df", "ip-id", "bigger-than-first",
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_change_in_the_third_segment_stops_the_merge_there(string change)
    {
        var spec = new Spec { Options = Timestamps(1, 2) };
        int mss = Mss - 12;
        List<(Spec Spec, byte[] Payload)> flow = Flow(spec, mss, mss, mss, mss);
        Spec s = flow[2].Spec;
        byte[] payload = flow[2].Payload;
        s = change switch
        {
            "ece" => s with { Flags = s.Flags | TcpFlags.Ece },
            "cwr" => s with { Flags = s.Flags | TcpFlags.Cwr },
            "urg" => s with { Flags = s.Flags | TcpFlags.Urg },
            "rst" => s with { Flags = s.Flags | TcpFlags.Rst },
            "syn" => s with { Flags = s.Flags | TcpFlags.Syn },
            "ack-number" => s with { Ack = s.Ack + 1 },
            "window" => s with { Window = (ushort)(s.Window + 1) },
            "timestamp" => s with { Options = Timestamps(2, 2) },
            "options-length" => s with { Options = [.. Timestamps(1, 2), 1, 1, 1, 0] },
            "ttl" => s with { Ttl = 63 },
            "tos" => s with { Tos = 4 },
            "df" => s with { DontFragment = false },
            "ip-id" => s with { IpId = (ushort)(s.IpId + 5) },
            _ => s,
        };
        if (change == "bigger-than-first")
        {
            payload = Payload(mss + 1);
        }
        flow[2] = (s, payload);
        flow[3] = (flow[3].Spec with { Seq = s.Seq + (uint)payload.Length }, flow[3].Payload);
        PacketBatch batch = Batch(flow);

        Coalesce(batch);

        Assert.True(batch.Count >= 2, change);
        AssertMerged(batch[0], flow[..2]);
        if (change is "cwr" or "bigger-than-first")
        {
            // Linux: the changed segment may start a packet of its own (CWR is allowed first, and it sets a larger MSS),
            // and the unchanged fourth one joins it.
            Assert.Equal(2, batch.Count);
            AssertMerged(batch[1], flow[2..]);
        }
        else
        {
            Assert.True(Bytes(flow[2].Spec, flow[2].Payload).AsSpan().SequenceEqual(batch[1].Span), change);
        }
        batch.ReleaseAll();
        Assert.Equal(0, _pool.Outstanding);
    }

    /// <summary>
    /// GRO keeps ECN marks apart (Linux compares the whole TOS / traffic class): a CE-marked segment in an ECT(0) flow
    /// stops the merge, so TCP sees the mark on a packet of its own and the merged packet's header tells no lie.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_ce_mark_in_an_ect_flow_stops_the_merge(bool v6)
    {
        var spec = new Spec { V6 = v6, Tos = (byte)EcnCodepoint.Ect0 };
        List<(Spec Spec, byte[] Payload)> flow = Flow(spec, Mss, Mss, Mss, Mss);
        flow[2] = (flow[2].Spec with { Tos = (byte)EcnCodepoint.Ce }, flow[2].Payload);
        PacketBatch batch = Batch(flow);

        Coalesce(batch);

        Assert.Equal(3, batch.Count);
        AssertMerged(batch[0], flow[..2]);
        Assert.True(Bytes(flow[2].Spec, flow[2].Payload).AsSpan().SequenceEqual(batch[1].Span));
        Assert.True(Bytes(flow[3].Spec, flow[3].Payload).AsSpan().SequenceEqual(batch[2].Span));
        batch.ReleaseAll();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Cwr_on_the_first_segment_is_allowed()
    {
        var spec = new Spec();
        List<(Spec Spec, byte[] Payload)> flow = Flow(spec, Mss, Mss, Mss);
        flow[0] = (flow[0].Spec with { Flags = TcpFlags.Ack | TcpFlags.Cwr }, flow[0].Payload);
        PacketBatch batch = Batch(flow);

        Assert.Equal(1, Coalesce(batch));

        Assert.Equal(3, batch[0].Offload.SegmentCount);
        Assert.Equal((byte)(TcpFlags.Ack | TcpFlags.Cwr), batch[0].Span[Ipv4Header.MinLength + TcpHeader.FlagsOffset]);
        batch.ReleaseAll();
    }

    [Fact]
    public void A_short_middle_segment_ends_the_merge()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, 1000, Mss, Mss);
        PacketBatch batch = Batch(flow);

        Assert.Equal(2, Coalesce(batch));

        AssertMerged(batch[0], flow[..2]);
        AssertMerged(batch[1], flow[2..]);
        batch.ReleaseAll();
    }

    [Fact]
    public void Interleaved_flows_merge_separately_in_order()
    {
        var a = new Spec();
        var b = new Spec { SourcePort = 40001, Seq = 5, IpId = 9 };
        List<(Spec, byte[])> fa = Flow(a, Mss, Mss, Mss);
        List<(Spec, byte[])> fb = Flow(b, Mss, Mss, Mss);
        PacketBatch batch = Batch([fa[0], fb[0], fa[1], fb[1], fa[2], fb[2]]);

        Assert.Equal(2, Coalesce(batch));

        Assert.Equal(2, batch.Count);
        AssertMerged(batch[0], fa);
        AssertMerged(batch[1], fb);
        batch.ReleaseAll();
    }

    [Fact]
    public void Different_addresses_are_different_flows()
    {
        var a = new Spec();
        List<(Spec, byte[])> fa = Flow(a, Mss, Mss);
        List<(Spec, byte[])> f6 = Flow(a with { V6 = true }, Mss, Mss);
        PacketBatch batch = Batch([fa[0], f6[0], fa[1], f6[1]]);

        Assert.Equal(2, Coalesce(batch));

        AssertMerged(batch[0], fa);
        AssertMerged(batch[1], f6);
        batch.ReleaseAll();
    }

    [Fact]
    public void Other_packets_pass_untouched_and_keep_their_place()
    {
        var spec = new Spec();
        List<(Spec Spec, byte[] Payload)> flow = Flow(spec, Mss, Mss, Mss);
        byte[] pureAckOtherWay = Bytes(new Spec { SourcePort = 80, DestinationPort = 40000 }, []);
        byte[] udp = new byte[28];
        Ipv4Header.Write(udp, A4, B4, IpProtocol.Udp, 28, 1, 64);
        var batch = new PacketBatch();
        batch.Add(_pool.RentCopy(udp));
        batch.Add(Packet(_pool, flow[0].Spec, flow[0].Payload));
        batch.Add(_pool.RentCopy(pureAckOtherWay));
        batch.Add(Packet(_pool, flow[1].Spec, flow[1].Payload));
        batch.Add(Packet(_pool, flow[2].Spec, flow[2].Payload));
        batch.Add(_pool.RentCopy(udp));

        Assert.Equal(1, Coalesce(batch));

        Assert.Equal(4, batch.Count);
        Assert.True(udp.AsSpan().SequenceEqual(batch[0].Span));
        AssertMerged(batch[1], flow);
        Assert.True(pureAckOtherWay.AsSpan().SequenceEqual(batch[2].Span));
        Assert.True(udp.AsSpan().SequenceEqual(batch[3].Span));
        batch.ReleaseAll();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void A_same_flow_pure_ack_ends_the_merge_so_order_is_kept()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, Mss, Mss, Mss);
        PacketBatch batch = Batch(flow[..2]);
        batch.Add(Packet(_pool, flow[2].Spec, []));
        batch.Add(Packet(_pool, flow[2].Spec, flow[2].Payload));
        batch.Add(Packet(_pool, flow[3].Spec, flow[3].Payload));

        Assert.Equal(2, Coalesce(batch));

        Assert.Equal(3, batch.Count);
        AssertMerged(batch[0], flow[..2]);
        Assert.Equal(flow[2].Spec.HeaderLength, batch[1].Length);
        batch.ReleaseAll();
    }

    [Fact]
    public void Bad_checksum_is_not_merged_nor_marked_valid()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, Mss, Mss);
        PacketBatch batch = Batch(flow);
        batch[1].Span[^1] ^= 0x55;

        Assert.Equal(0, Coalesce(batch));

        Assert.Equal(3, batch.Count);
        Assert.True(batch[0].Offload.ChecksumValid);
        Assert.False(batch[1].Offload.ChecksumValid);
        Assert.Equal(1, batch[2].Offload.SegmentCount == 0 ? 1 : batch[2].Offload.SegmentCount);
        batch.ReleaseAll();
    }

    [Fact]
    public void Trusts_checksums_the_link_vouched_for()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, Mss);
        PacketBatch batch = Batch(flow);
        batch[1].Span[^1] ^= 0x55; // the link says it verified: GRO does not look again
        batch[0].Offload.ChecksumValid = true;
        batch[1].Offload.ChecksumValid = true;

        Assert.Equal(1, Coalesce(batch));
        batch.ReleaseAll();
    }

    [Fact]
    public void Fixed_ip_id_with_df_merges_but_without_df_must_increment()
    {
        var df = new Spec();
        List<(Spec Spec, byte[] Payload)> fixedId = Flow(df, Mss, Mss, Mss).Select(s => (s.Spec with { IpId = 7 }, s.Payload)).ToList();
        PacketBatch batch = Batch(fixedId);
        Assert.Equal(1, Coalesce(batch));
        Assert.Equal(3, batch[0].Offload.SegmentCount);
        batch.ReleaseAll();

        List<(Spec Spec, byte[] Payload)> noDf = Flow(df with { DontFragment = false }, Mss, Mss, Mss).Select(s => (s.Spec with { IpId = 7 }, s.Payload)).ToList();
        batch = Batch(noDf);
        Assert.Equal(0, Coalesce(batch));
        Assert.Equal(3, batch.Count);
        batch.ReleaseAll();

        batch = Batch(Flow(df with { DontFragment = false }, Mss, Mss, Mss));
        Assert.Equal(1, Coalesce(batch));
        batch.ReleaseAll();
    }

    [Fact]
    public void Ipv6_flow_label_and_hop_limit_must_match()
    {
        var spec = new Spec { V6 = true, FlowLabel = 0x12345 };
        List<(Spec Spec, byte[] Payload)> flow = Flow(spec, Mss, Mss, Mss, Mss);
        flow[2] = (flow[2].Spec with { FlowLabel = 0x54321 }, flow[2].Payload);
        flow[3] = (flow[3].Spec with { FlowLabel = 0x54321, Ttl = 1 }, flow[3].Payload);
        PacketBatch batch = Batch(flow);

        Assert.Equal(1, Coalesce(batch));

        Assert.Equal(3, batch.Count);
        AssertMerged(batch[0], flow[..2]);
        batch.ReleaseAll();
    }

    [Fact]
    public void Merged_packet_stays_within_64_KiB()
    {
        List<(Spec, byte[])> flow = Flow(new Spec(), Repeat(Mss, 50));
        PacketBatch batch = Batch(flow);

        Assert.Equal(2, Coalesce(batch));

        int first = (65535 - 40) / Mss; // 45 segments of 1448 with 40 bytes of headers
        Assert.Equal(first, batch[0].Offload.SegmentCount);
        Assert.True(batch[0].Length <= 65535);
        Assert.Equal(50 - first, batch[1].Offload.SegmentCount);
        AssertMerged(batch[0], flow[..first]);
        AssertMerged(batch[1], flow[first..]);
        batch.ReleaseAll();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Super_segments_and_single_segments_pass_unchanged()
    {
        List<(Spec Spec, byte[] Payload)> flow = Flow(new Spec(), Mss, Mss);
        PacketBatch batch = Batch(flow[..1]);
        PacketBuffer super = SuperSegment(_pool, flow[1].Spec, Payload(3 * Mss), Mss, fullChecksum: true);
        batch.Add(super);

        Assert.Equal(0, Coalesce(batch));

        Assert.Equal(2, batch.Count);
        Assert.Same(super, batch[1]);
        batch.ReleaseAll();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void Gro_then_gso_reproduces_the_original_segments(bool v6, bool timestamps)
    {
        var spec = new Spec { V6 = v6, Options = timestamps ? Timestamps(99, 98) : [], Flags = TcpFlags.Ack | TcpFlags.Psh };
        int mss = Mss - spec.Options.Length;
        byte[] payload = Payload(12 * mss + 5);
        List<byte[]> originals = Expected(spec, payload, mss);
        var batch = new PacketBatch();
        foreach (byte[] o in originals)
        {
            batch.Add(_pool.RentCopy(o));
        }

        Assert.Equal(1, Coalesce(batch));
        var output = new PacketBatch();
        Assert.Equal(originals.Count, TcpSegmenter.Segment(batch[0], _pool, output, partialChecksum: false));
        batch.Clear();

        Assert.Equal(originals.Count, output.Count);
        for (int i = 0; i < originals.Count; i++)
        {
            Assert.True(originals[i].AsSpan().SequenceEqual(output[i].Span), $"segment {i}");
        }
        output.ReleaseAll();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Coalescing_allocates_nothing_after_warm_up()
    {
        var spec = new Spec { Options = Timestamps(1, 2) };
        int mss = Mss - 12;
        var wire = new List<byte[]>();
        foreach ((Spec s, byte[] p) in Flow(spec, Repeat(mss, 44)))
        {
            wire.Add(Bytes(s, p));
        }
        var batch = new PacketBatch(64);
        int failures = 0;
        void Once()
        {
            foreach (byte[] w in wire)
            {
                batch.Add(_pool.RentCopy(w));
            }
            failures += _gro.Coalesce(batch, _pool, out _) == 1 ? 0 : 1;
            batch.ReleaseAll();
        }
        for (int i = 0; i < 20; i++)
        {
            Once();
        }
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                Once();
            }
        });
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.Equal(0, _pool.Outstanding);
    }
}
