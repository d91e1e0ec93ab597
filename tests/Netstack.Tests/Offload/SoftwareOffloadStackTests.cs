using System.Buffers.Binary;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Stack;
using Netstack.Tests.Tcp;
using Netstack.Transport.Tcp;
using Netstack.Wire;
using static Netstack.Tests.Offload.OffloadPackets;

namespace Netstack.Tests.Offload;

public class SoftwareOffloadStackTests
{
    private static (NetStack Stack, TestLink Link) Stack(bool gso = true, bool gro = true, LinkCapabilities capabilities = LinkCapabilities.None, PacketPool? pool = null)
    {
        var stack = new NetStack(new NetStackOptions { Gso = gso, Gro = gro, RandomSeed = 1, Pool = pool, EnableTcp = false });
        var link = new TestLink(capabilities: capabilities);
        stack.AddInterface(link, "10.9.0.2/24", "fd00:9::2/64");
        return (stack, link);
    }

    /// <summary>A TCP super-segment as TCP hands it to SendTransport: transport header first, offsets relative to it.</summary>
    private static PacketBuffer TcpSuperSegment(PacketPool pool, NetAddress source, NetAddress destination, int payload, int mss)
    {
        PacketBuffer p = pool.Rent(TcpHeader.MinLength + payload);
        Span<byte> s = p.Append(TcpHeader.MinLength + payload);
        TcpHeader.Write(s, 80, 40000, 1000, 2000, TcpFlags.Ack | TcpFlags.Psh, 512);
        Payload(payload).CopyTo(s[TcpHeader.MinLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[TcpHeader.ChecksumOffset..], Checksum.Fold(Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, s.Length)));
        p.Offload = new OffloadInfo
        {
            GsoType = destination.IsV6 ? GsoType.TcpV6 : GsoType.TcpV4,
            GsoSize = (ushort)mss,
            HeaderLength = TcpHeader.MinLength,
            ChecksumOffset = TcpHeader.ChecksumOffset,
            NeedsChecksum = true,
        };
        return p;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Route_advertises_software_gso_unless_disabled(bool gso)
    {
        (NetStack stack, TestLink link) = Stack(gso);
        using (stack)
        using (link)
        {
            Assert.True(stack.TryFindRoute(A4, out RouteInfo route));
            Assert.Equal(gso, (route.Capabilities & LinkCapabilities.Gso) != 0);
            Assert.Equal(gso ? NetStack.SoftwareGsoMaxSize : Math.Min(link.GsoMaxSize, 65535), route.GsoMaxSize);
            Assert.Equal(1500, route.Mtu);
        }
    }

    [Fact]
    public void Links_with_a_link_header_get_no_software_gso()
    {
        using var stack = new NetStack(new NetStackOptions { RandomSeed = 1 });
        using var link = new TestLink(linkHeaderLength: 14);
        stack.AddInterface(link, "10.9.0.2/24");
        Assert.True(stack.TryFindRoute(A4, out RouteInfo route));
        Assert.Equal(LinkCapabilities.None, route.Capabilities & LinkCapabilities.Gso);
    }

    [Theory]
    [InlineData(false, LinkCapabilities.None)]
    [InlineData(true, LinkCapabilities.None)]
    [InlineData(false, LinkCapabilities.TxChecksumOffload)]
    public void Super_segment_is_split_before_a_link_without_gso_in_one_write(bool v6, LinkCapabilities capabilities)
    {
        var pool = new PacketPool();
        (NetStack stack, TestLink link) = Stack(capabilities: capabilities, pool: pool);
        using (stack)
        using (link)
        {
            NetAddress local = v6 ? B6 : B4, remote = v6 ? A6 : A4;
            Assert.True(stack.TryFindRoute(remote, out RouteInfo route));
            int mss = v6 ? 1440 : 1460;

            Assert.Equal(SocketError.Success, stack.SendTransport(TcpSuperSegment(pool, local, remote, 10 * mss + 1, mss), local, remote, IpProtocol.Tcp, route));

            Assert.Equal(1, link.WriteCalls);
            List<PacketBuffer> written = link.Written;
            Assert.Equal(11, written.Count);
            int ip = v6 ? Ipv6Header.Length : Ipv4Header.MinLength;
            uint seq = 1000;
            for (int i = 0; i < written.Count; i++)
            {
                PacketBuffer p = written[i];
                Assert.True(p.Length <= 1500);
                Assert.Equal(GsoType.None, p.Offload.GsoType);
                Span<byte> tcp = p.Span[ip..];
                Assert.Equal(seq, BinaryPrimitives.ReadUInt32BigEndian(tcp[TcpHeader.SequenceNumberOffset..]));
                seq += (uint)(tcp.Length - TcpHeader.MinLength);
                Assert.Equal(i == written.Count - 1, (tcp[TcpHeader.FlagsOffset] & (byte)TcpFlags.Psh) != 0);
                if (capabilities == LinkCapabilities.TxChecksumOffload)
                {
                    Assert.True(p.Offload.NeedsChecksum);
                    Assert.True(ChecksumHelp.TryComplete(p));
                }
                Assert.True(Checksum.IsValid(tcp, Checksum.PseudoHeader(local, remote, IpProtocol.Tcp, tcp.Length)), $"segment {i}");
            }
            Assert.Equal(1000u + (uint)(10 * mss + 1), seq);
            Assert.Equal(1, stack.GetStatistics().Offload.GsoPackets);
            Assert.Equal(11, stack.GetStatistics().Offload.GsoSegments);
            link.ReleaseWritten();
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Ipv4_super_segment_reserves_an_identification_per_segment()
    {
        var pool = new PacketPool();
        (NetStack stack, TestLink link) = Stack(pool: pool);
        using (stack)
        using (link)
        {
            Assert.True(stack.TryFindRoute(A4, out RouteInfo route));
            PacketBuffer super = TcpSuperSegment(pool, B4, A4, 4 * 1460, 1460);
            super.Offload.SegmentCount = 4;
            stack.SendTransport(super, B4, A4, IpProtocol.Tcp, route);
            PacketBuffer next = TcpSuperSegment(pool, B4, A4, 100, 1460);
            next.Offload = default;
            TcpSegment.WriteChecksum(next.Span, B4, A4);
            stack.SendTransport(next, B4, A4, IpProtocol.Tcp, route);

            List<PacketBuffer> written = link.Written;
            Assert.Equal(5, written.Count);
            ushort first = BinaryPrimitives.ReadUInt16BigEndian(written[0].Span[Ipv4Header.IdentificationOffset..]);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal((ushort)(first + i), BinaryPrimitives.ReadUInt16BigEndian(written[i].Span[Ipv4Header.IdentificationOffset..]));
            }
            link.ReleaseWritten();
        }
    }

    [Fact]
    public void Without_software_gso_a_super_segment_for_a_plain_link_is_refused()
    {
        var pool = new PacketPool();
        (NetStack stack, TestLink link) = Stack(gso: false, pool: pool);
        using (stack)
        using (link)
        {
            Assert.True(stack.TryFindRoute(A4, out RouteInfo route));
            Assert.Equal(SocketError.MessageSize, stack.SendTransport(TcpSuperSegment(pool, B4, A4, 3 * 1460, 1460), B4, A4, IpProtocol.Tcp, route));
            Assert.Empty(link.Written);
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void A_gso_link_gets_the_super_segment_whole()
    {
        var pool = new PacketPool();
        (NetStack stack, TestLink link) = Stack(capabilities: LinkCapabilities.Gso, pool: pool);
        using (stack)
        using (link)
        {
            Assert.True(stack.TryFindRoute(A4, out RouteInfo route));
            stack.SendTransport(TcpSuperSegment(pool, B4, A4, 3 * 1460, 1460), B4, A4, IpProtocol.Tcp, route);
            PacketBuffer only = Assert.Single(link.Written);
            Assert.Equal(GsoType.TcpV4, only.Offload.GsoType);
            Assert.Equal(0, stack.GetStatistics().Offload.GsoPackets);
            link.ReleaseWritten();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Inbound_batch_is_coalesced_before_the_transport_sees_it(bool gro)
    {
        var pool = new PacketPool();
        (NetStack stack, TestLink link) = Stack(gro: gro, pool: pool);
        using (stack)
        using (link)
        {
            var tcp = stack.GetOrAddTransport(_ => new RecordingTransport(IpProtocol.Tcp));
            var spec = new Spec { Options = Timestamps(3, 4) };
            byte[] payload = Payload(10 * 1436);
            var packets = new List<PacketBuffer>();
            foreach (byte[] segment in Expected(spec, payload, 1436))
            {
                packets.Add(pool.RentCopy(segment));
            }

            link.Receive([.. packets]);

            if (gro)
            {
                var (info, bytes, offload) = Assert.Single(tcp.Packets);
                Assert.Equal(10, offload.SegmentCount);
                Assert.Equal(1436, offload.GsoSize);
                Assert.True(offload.ChecksumValid);
                Assert.Equal(32 + payload.Length, bytes.Length);
                Assert.True(payload.AsSpan().SequenceEqual(bytes.AsSpan(32)));
                Assert.Equal(1, stack.GetStatistics().Offload.GroPackets);
                Assert.Equal(10, stack.GetStatistics().Offload.GroSegments);
            }
            else
            {
                Assert.Equal(10, tcp.Packets.Count);
                Assert.Equal(0, stack.GetStatistics().Offload.GroPackets);
            }
            Assert.Equal(gro ? 1 : 10, stack.GetStatistics().Ip.InReceives); // counted per packet after GRO, as Linux's ip_rcv
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Two_stacks_over_a_plain_channel_link_move_a_megabyte_with_software_gso_and_gro()
    {
        using var p = new TcpPair(capabilities: LinkCapabilities.None);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        byte[] up = Payload(1 << 20, 21);
        byte[] down = Payload(1 << 20, 22);

        Assert.Equal(up, p.Transfer(client, server, up));
        Assert.Equal(down, p.Transfer(server, client, down));

        foreach (NetStack s in new[] { p.A, p.B })
        {
            var o = s.GetStatistics().Offload;
            Assert.True(o.GsoPackets > 0, "TCP produced super-segments and the stack split them");
            Assert.True(o.GsoSegments >= 10 * o.GsoPackets / 2, $"{o.GsoSegments} segments from {o.GsoPackets} super-segments");
            Assert.Equal(0, o.GsoDrops);
            Assert.True(o.GroPackets > 0, "the receiver coalesced");
            Assert.True(o.GroSegments > 2 * o.GroPackets, $"{o.GroSegments} segments in {o.GroPackets} coalesced packets");
        }
        // TCP on the receiving side handled far fewer segments than crossed the link.
        Assert.True(p.TcpB.Statistics.InSegs * 4 < p.A.GetStatistics().Offload.GsoSegments, $"{p.TcpB.Statistics.InSegs} TCP segments in, {p.A.GetStatistics().Offload.GsoSegments} on the wire");
        Assert.Equal(0, p.TcpA.Statistics.RetransSegs);
        Assert.Equal(0, p.TcpB.Statistics.RetransSegs);
        Assert.Equal(0, p.TcpA.Statistics.InErrs);
        Assert.Equal(0, p.TcpB.Statistics.InErrs);
        client.Abort();
        p.Pump();
        listener.Dispose();
    }
}
