using Netstack.Buffers;
using Netstack.Offload;
using static Netstack.Tests.Offload.OffloadPackets;

namespace Netstack.Tests.Offload;

public class VirtioNetHeaderTests
{
    private static byte[] TcpPacket(bool v6, int payload = 3 * Mss) =>
        Bytes(new Spec { V6 = v6, Options = Timestamps(1, 2) }, Payload(payload));

    [Fact]
    public void Writes_the_kernel_layout_little_endian()
    {
        var offload = new OffloadInfo
        {
            GsoType = GsoType.TcpV4,
            GsoSize = 1448,          // 0x05A8
            HeaderLength = 52,       // 0x0034
            ChecksumStart = 20,      // 0x0014
            ChecksumOffset = 16,     // 0x0010
            NeedsChecksum = true,
        };
        var bytes = new byte[12];
        bytes.AsSpan().Fill(0xEE);

        Assert.Equal(10, VirtioNetHeader.Write(bytes, offload));
        Assert.Equal(new byte[] { 0x01, 0x01, 0x34, 0x00, 0xA8, 0x05, 0x14, 0x00, 0x10, 0x00, 0xEE, 0xEE }, bytes);

        Assert.Equal(12, VirtioNetHeader.Write(bytes, offload, mergeable: true, ecn: true));
        Assert.Equal(new byte[] { 0x01, 0x81, 0x34, 0x00, 0xA8, 0x05, 0x14, 0x00, 0x10, 0x00, 0x00, 0x00 }, bytes);
        Assert.True(VirtioNetHeader.TryParse(bytes, out VirtioNetHeader view));
        Assert.Equal(VirtioNetHeader.FlagNeedsChecksum, view.Flags);
        Assert.Equal(0x81, view.GsoType);
        Assert.Equal(52, view.HeaderLength);
        Assert.Equal(1448, view.GsoSize);
        Assert.Equal(20, view.ChecksumStart);
        Assert.Equal(16, view.ChecksumOffset);
        Assert.Equal(0, view.NumBuffers);
    }

    [Fact]
    public void Plain_packet_has_an_all_zero_header()
    {
        var bytes = new byte[10];
        bytes.AsSpan().Fill(0xEE);
        VirtioNetHeader.Write(bytes, default);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tcp_gso_round_trips(bool v6)
    {
        byte[] packet = TcpPacket(v6);
        int ip = v6 ? 40 : 20;
        var offload = new OffloadInfo
        {
            GsoType = v6 ? GsoType.TcpV6 : GsoType.TcpV4,
            GsoSize = Mss - 12,
            HeaderLength = (ushort)(ip + 32),
            ChecksumStart = (ushort)ip,
            ChecksumOffset = 16,
            NeedsChecksum = true,
        };
        var header = new byte[10];
        VirtioNetHeader.Write(header, offload);

        Assert.True(VirtioNetHeader.TryDecode(header, packet, out OffloadInfo decoded));

        Assert.Equal(offload.GsoType, decoded.GsoType);
        Assert.Equal(offload.GsoSize, decoded.GsoSize);
        Assert.Equal(offload.HeaderLength, decoded.HeaderLength);
        Assert.Equal(offload.ChecksumStart, decoded.ChecksumStart);
        Assert.Equal(offload.ChecksumOffset, decoded.ChecksumOffset);
        Assert.True(decoded.NeedsChecksum);
        Assert.True(decoded.ChecksumValid); // a partial checksum from the kernel was never on a wire
        Assert.Equal(4, decoded.SegmentCount); // 3 × 1448 bytes in 1436-byte segments
    }

    [Fact]
    public void Kernel_hdr_len_covering_payload_is_not_trusted()
    {
        byte[] packet = TcpPacket(false);
        byte[] header = [0x01, 0x01, 0x00, 0x01, 0x9C, 0x05, 0x14, 0x00, 0x10, 0x00]; // hdr_len 256 (skb_headlen), gso 1436
        Assert.True(VirtioNetHeader.TryDecode(header, packet, out OffloadInfo decoded));
        Assert.Equal(52, decoded.HeaderLength);
    }

    [Fact]
    public void Data_valid_without_gso()
    {
        byte[] packet = TcpPacket(false, 100);
        byte[] header = [0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.True(VirtioNetHeader.TryDecode(header, packet, out OffloadInfo decoded));
        Assert.True(decoded.ChecksumValid);
        Assert.False(decoded.NeedsChecksum);
        Assert.Equal(GsoType.None, decoded.GsoType);
        Assert.Equal(1, decoded.SegmentCount);
    }

    [Fact]
    public void Gso_without_needs_csum_finds_the_transport_after_the_ip_header()
    {
        byte[] packet = TcpPacket(true);
        byte[] header = [0x00, 0x04, 0, 0, 0x9C, 0x05, 0, 0, 0, 0];
        Assert.True(VirtioNetHeader.TryDecode(header, packet, out OffloadInfo decoded));
        Assert.Equal(72, decoded.HeaderLength);
        Assert.False(decoded.ChecksumValid);
    }

    public static TheoryData<string, byte[]> Hostile => new()
    {
        { "short", [0x01, 0x01, 0, 0, 0, 0, 0, 0, 0] },
        { "unknown flag 4", [0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "unknown flag 0x80", [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "gso type 2", [0x01, 0x02, 0, 0, 0x9C, 0x05, 0x14, 0, 0x10, 0] },
        { "gso type 6", [0x01, 0x06, 0, 0, 0x9C, 0x05, 0x14, 0, 0x10, 0] },
        { "gso type 0x7f", [0x01, 0x7F, 0, 0, 0x9C, 0x05, 0x14, 0, 0x10, 0] },
        { "ecn on udp", [0x01, 0x83, 0, 0, 0x9C, 0x05, 0x14, 0, 0x06, 0] },
        { "ecn alone", [0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "csum start past the end", [0x01, 0x00, 0, 0, 0, 0, 0xFF, 0xFF, 0x10, 0] },
        { "csum offset past the end", [0x01, 0x00, 0, 0, 0, 0, 0x14, 0, 0xFF, 0xFF] },
        { "csum field straddles the end", [0x01, 0x00, 0, 0, 0, 0, 0x3D, 0x11, 0x00, 0] },
        { "gso size 0", [0x01, 0x01, 0, 0, 0, 0, 0x14, 0, 0x10, 0] },
        { "tcpv6 on an ipv4 packet", [0x01, 0x04, 0, 0, 0x9C, 0x05, 0x14, 0, 0x10, 0] },
        { "csum start inside the ip header", [0x01, 0x01, 0, 0, 0x9C, 0x05, 0x0A, 0, 0x10, 0] },
        { "tcp csum offset not 16", [0x01, 0x01, 0, 0, 0x9C, 0x05, 0x14, 0, 0x06, 0] },
        { "hdr_len past the end", [0x01, 0x01, 0xFF, 0xFF, 0x9C, 0x05, 0x14, 0, 0x10, 0] },
        { "transport header past the end", [0x01, 0x01, 0, 0, 0x9C, 0x05, 0x19, 0x11, 0x10, 0] },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_values_are_rejected(string name, byte[] header)
    {
        byte[] packet = TcpPacket(false); // 20 + 32 + 4344 = 4396 bytes (0x112C)
        Assert.False(VirtioNetHeader.TryDecode(header, packet, out _), name);
    }

    [Fact]
    public void Tcp_header_that_claims_more_than_the_packet_is_rejected()
    {
        byte[] packet = TcpPacket(false, 0);
        packet[20 + 12] = 0xF0; // data offset 60 bytes, packet has 32
        byte[] header = [0x01, 0x01, 0, 0, 0x9C, 0x05, 0x14, 0, 0x10, 0];
        Assert.False(VirtioNetHeader.TryDecode(header, packet, out _));
    }

    [Fact]
    public void Random_headers_never_throw()
    {
        var random = new Random(5);
        var header = new byte[12];
        byte[][] packets = [TcpPacket(false), TcpPacket(true), new byte[3], [], new byte[60]];
        for (int i = 0; i < 100_000; i++)
        {
            random.NextBytes(header);
            header[0] &= (byte)(i % 3 == 0 ? 0x03 : 0xFF);
            header[1] = (byte)(i % 2 == 0 ? random.Next(8) | (random.Next(2) << 7) : header[1]);
            byte[] packet = packets[i % packets.Length];
            if (VirtioNetHeader.TryDecode(header.AsSpan(0, 10 + (i & 2)), packet, out OffloadInfo o) && o.NeedsChecksum)
            {
                Assert.True(o.ChecksumStart + o.ChecksumOffset + 2 <= packet.Length);
            }
        }
    }
}
