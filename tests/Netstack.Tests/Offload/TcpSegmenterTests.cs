using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Offload;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;
using static Netstack.Tests.Offload.OffloadPackets;

namespace Netstack.Tests.Offload;

public class TcpSegmenterTests
{
    private static void AssertSegments(List<byte[]> expected, PacketBatch batch)
    {
        Assert.Equal(expected.Count, batch.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(batch[i].Span), $"segment {i} of {expected.Count} differs");
            Assert.Equal(GsoType.None, batch[i].Offload.GsoType);
            Assert.False(batch[i].Offload.NeedsChecksum);
        }
    }

    [Theory]
    [InlineData(false, false, TcpFlags.Ack)]
    [InlineData(false, true, TcpFlags.Ack)]
    [InlineData(true, false, TcpFlags.Ack)]
    [InlineData(true, true, TcpFlags.Ack)]
    [InlineData(false, true, TcpFlags.Ack | TcpFlags.Psh)]
    [InlineData(true, true, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin)]
    [InlineData(false, false, TcpFlags.Ack | TcpFlags.Cwr | TcpFlags.Psh)]
    public void Split_equals_segment_by_segment_output(bool v6, bool timestamps, TcpFlags flags)
    {
        var pool = new PacketPool();
        var spec = new Spec { V6 = v6, Flags = flags, Options = timestamps ? Timestamps(123456, 654321) : [] };
        int mss = Mss - spec.Options.Length;
        byte[] payload = Payload(30 * mss + 777);
        var batch = new PacketBatch();

        int n = TcpSegmenter.Segment(SuperSegment(pool, spec, payload, mss), pool, batch, partialChecksum: false);

        Assert.Equal(31, n);
        AssertSegments(Expected(spec, payload, mss), batch);
        Assert.True((batch[0].Span[spec.IpHeaderLength + TcpHeader.FlagsOffset] & (byte)TcpFlags.Cwr) == (byte)(flags & TcpFlags.Cwr));
        batch.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    /// <summary>
    /// RFC 3168 with GSO, as Linux's tcp_gso_segment: every segment keeps the super-segment's ECT(0) and ECE, CWR stays on the
    /// first only, and each IPv4 header checksum covers the ECN bits (the expected bytes are written field by field).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ecn_marks_ect_on_every_segment_and_cwr_on_the_first(bool v6)
    {
        var pool = new PacketPool();
        var spec = new Spec { V6 = v6, Tos = (byte)EcnCodepoint.Ect0, Flags = TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Psh };
        byte[] payload = Payload(4 * Mss + 10);
        var batch = new PacketBatch();

        Assert.Equal(5, TcpSegmenter.Segment(SuperSegment(pool, spec, payload), pool, batch, partialChecksum: false));

        AssertSegments(Expected(spec, payload), batch);
        for (int i = 0; i < batch.Count; i++)
        {
            ReadOnlySpan<byte> b = batch[i].Span;
            byte ecn = v6 ? (byte)((BinaryPrimitives.ReadUInt32BigEndian(b) >> 20) & 3) : (byte)(b[Ipv4Header.TypeOfServiceOffset] & 3);
            Assert.Equal((byte)EcnCodepoint.Ect0, ecn);
            var flags = (TcpFlags)b[spec.IpHeaderLength + TcpHeader.FlagsOffset];
            Assert.True((flags & TcpFlags.Ece) != 0, $"segment {i} lost ECE");
            Assert.Equal(i == 0, (flags & TcpFlags.Cwr) != 0);
            Assert.True(v6 || Checksum.IsValid(b[..Ipv4Header.MinLength]), $"segment {i}: IPv4 header checksum");
        }
        batch.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    /// <summary>The vnet_hdr of a TCP super-segment with CWR carries VIRTIO_NET_HDR_GSO_ECN (Linux SKB_GSO_TCP_ECN); without CWR it does not.</summary>
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Virtio_header_of_a_cwr_super_segment_has_the_ecn_bit(bool v6, bool cwr)
    {
        var pool = new PacketPool();
        var spec = new Spec { V6 = v6, Tos = (byte)EcnCodepoint.Ect0, Flags = cwr ? TcpFlags.Ack | TcpFlags.Cwr : TcpFlags.Ack };
        PacketBuffer packet = SuperSegment(pool, spec, Payload(3 * Mss));
        Span<byte> header = stackalloc byte[VirtioNetHeader.Length];

        bool marked = VirtioNetHeader.IsTcpSuperSegmentWithCwr(packet.Span, packet.Offload);
        VirtioNetHeader.Write(header, packet.Offload, ecn: marked);

        Assert.Equal(cwr, marked);
        Assert.Equal(cwr, (header[VirtioNetHeader.GsoTypeOffset] & VirtioNetHeader.GsoEcn) != 0);
        Assert.Equal(v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4, header[VirtioNetHeader.GsoTypeOffset] & ~VirtioNetHeader.GsoEcn);
        packet.Release();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Full_input_checksum_and_exact_multiple_of_mss(bool v6)
    {
        var pool = new PacketPool();
        var spec = new Spec { V6 = v6, Seq = uint.MaxValue - 3000, Options = Timestamps(1, 2) }; // sequence wraps
        byte[] payload = Payload(8 * 1000);
        var batch = new PacketBatch();

        Assert.Equal(8, TcpSegmenter.Segment(SuperSegment(pool, spec, payload, 1000, fullChecksum: true), pool, batch, false));

        AssertSegments(Expected(spec, payload, 1000), batch);
        batch.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Partial_checksum_is_left_for_the_link_and_completes_to_the_same_bytes(bool v6)
    {
        var pool = new PacketPool();
        var spec = new Spec { V6 = v6, Options = Timestamps(5, 6) };
        byte[] payload = Payload(5 * 1436 + 1);
        var batch = new PacketBatch();

        Assert.Equal(6, TcpSegmenter.Segment(SuperSegment(pool, spec, payload, 1436), pool, batch, partialChecksum: true));

        List<byte[]> expected = Expected(spec, payload, 1436);
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer p = batch[i];
            Assert.True(p.Offload.NeedsChecksum);
            Assert.Equal(spec.IpHeaderLength, p.Offload.ChecksumStart);
            Assert.Equal(TcpHeader.ChecksumOffset, p.Offload.ChecksumOffset);
            int tcpLength = p.Length - spec.IpHeaderLength;
            ushort field = BinaryPrimitives.ReadUInt16BigEndian(p.Span[(spec.IpHeaderLength + TcpHeader.ChecksumOffset)..]);
            Assert.Equal(Checksum.Fold(Checksum.PseudoHeader(spec.Source, spec.Destination, IpProtocol.Tcp, tcpLength)), field);
            Assert.True(ChecksumHelp.TryComplete(p));
            Assert.True(expected[i].AsSpan().SequenceEqual(p.Span), $"segment {i}");
        }
        batch.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Payload_within_one_mss_passes_as_one_packet_with_its_checksum_finished()
    {
        var pool = new PacketPool();
        var spec = new Spec { Flags = TcpFlags.Ack | TcpFlags.Psh };
        byte[] payload = Payload(Mss);
        var batch = new PacketBatch();

        Assert.Equal(1, TcpSegmenter.Segment(SuperSegment(pool, spec, payload), pool, batch, false));

        AssertSegments(Expected(spec, payload), batch);
        batch.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Shared_super_segment_is_copied_not_modified()
    {
        var pool = new PacketPool();
        var spec = new Spec();
        byte[] payload = Payload(3 * Mss);
        PacketBuffer super = SuperSegment(pool, spec, payload);
        byte[] before = super.Span.ToArray();
        super.AddReference();
        var batch = new PacketBatch();

        Assert.Equal(3, TcpSegmenter.Segment(super, pool, batch, false));

        AssertSegments(Expected(spec, payload), batch);
        Assert.Equal(1, super.ReferenceCount);
        Assert.True(before.AsSpan().SequenceEqual(super.Span));
        super.Release();
        batch.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Ipv4_identifications_continue_from_the_super_segment_and_wrap()
    {
        var pool = new PacketPool();
        var spec = new Spec { IpId = 65534 };
        var batch = new PacketBatch();
        TcpSegmenter.Segment(SuperSegment(pool, spec, Payload(4 * Mss)), pool, batch, false);
        ushort[] ids = new ushort[batch.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt16BigEndian(batch[i].Span[Ipv4Header.IdentificationOffset..]);
            Assert.True(Checksum.IsValid(batch[i].Span[..Ipv4Header.MinLength]));
        }
        Assert.Equal(new ushort[] { 65534, 65535, 0, 1 }, ids);
        batch.ReleaseAll();
    }

    public static TheoryData<string> Malformed => new() { "gso-size-0", "truncated-tcp", "wrong-family", "not-tcp", "length-mismatch", "empty" };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_super_segments_are_released_and_reported(string kind)
    {
        var pool = new PacketPool();
        var batch = new PacketBatch();
        PacketBuffer p = SuperSegment(pool, new Spec(), Payload(3 * Mss));
        switch (kind)
        {
            case "gso-size-0":
                p.Offload.GsoSize = 0;
                break;
            case "truncated-tcp":
                p.Span[Ipv4Header.MinLength + TcpHeader.DataOffsetOffset] = 0xF0; // 60-byte header claimed
                p.Truncate(Ipv4Header.MinLength + 40);
                BinaryPrimitives.WriteUInt16BigEndian(p.Span[Ipv4Header.TotalLengthOffset..], (ushort)p.Length);
                break;
            case "wrong-family":
                p.Offload.GsoType = GsoType.TcpV6;
                break;
            case "not-tcp":
                p.Span[Ipv4Header.ProtocolOffset] = IpProtocol.Udp;
                break;
            case "length-mismatch":
                p.Truncate(p.Length - 1);
                break;
            case "empty":
                p.Truncate(0);
                break;
        }

        Assert.Equal(0, TcpSegmenter.Segment(p, pool, batch, false));

        Assert.Equal(0, batch.Count);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Segmenting_allocates_nothing_after_warm_up()
    {
        var pool = new PacketPool();
        var spec = new Spec { Options = Timestamps(1, 2) };
        byte[] bytes = Bytes(spec, Payload(45 * 1436));
        var batch = new PacketBatch(128);
        void Once()
        {
            PacketBuffer p = pool.RentCopy(bytes);
            p.Offload.GsoType = GsoType.TcpV4;
            p.Offload.GsoSize = 1436;
            TcpSegmenter.Segment(p, pool, batch, partialChecksum: false);
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
        Assert.Equal(0, allocated);
        Assert.Equal(0, pool.Outstanding);
    }
}
