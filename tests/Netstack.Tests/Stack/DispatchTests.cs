using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

public class DispatchTests
{
    /// <summary>A link that records each WritePackets call's batch size and releases the packets.</summary>
    private sealed class CountingLink(int mtu = 1500, LinkCapabilities capabilities = LinkCapabilities.None) : ILinkEndpoint
    {
        public List<int> Writes { get; } = [];

        public List<byte[]> Packets { get; } = [];

        public List<OffloadInfo> Offloads { get; } = [];

        public int Mtu => mtu;
        public int LinkHeaderLength => 0;
        public LinkCapabilities Capabilities => capabilities;
        public int GsoMaxSize => 65536;
        public void Attach(INetworkDispatcher dispatcher) { }

        public void WritePackets(PacketBatch batch)
        {
            Writes.Add(batch.Count);
            foreach (PacketBuffer p in batch.AsSpan())
            {
                Packets.Add(p.Span.ToArray());
                Offloads.Add(p.Offload);
            }
            batch.ReleaseAll();
        }

        public void Dispose() { }
    }

    private static PacketBuffer EchoRequest(PacketPool pool, ushort sequence)
    {
        PacketBuffer p = pool.Rent(64);
        Span<byte> b = p.Append(20 + 16);
        Ipv4Header.Write(b, NetAddress.Parse("10.9.0.1"), NetAddress.Parse("10.9.0.2"), IpProtocol.Icmp, 36, sequence, 64);
        IcmpV4Header.WriteEcho(b[20..], IcmpV4Type.EchoRequest, 1, sequence);
        Assert.True(IcmpV4Header.TryParse(b[20..], out IcmpV4Header icmp));
        icmp.SetChecksum();
        return p;
    }

    [Fact]
    public void Replies_made_during_a_batch_are_flushed_once_at_its_end()
    {
        var pool = new PacketPool();
        using var stack = new NetStack(new NetStackOptions { Pool = pool, TimeProvider = new ManualTimeProvider() });
        var link = new CountingLink();
        stack.AddInterface(link, "10.9.0.2/24");
        var batch = new PacketBatch();
        for (ushort i = 0; i < 10; i++)
        {
            batch.Add(EchoRequest(pool, i));
        }
        stack.DeliverPackets(link, batch);
        Assert.Equal([10], link.Writes);
        Assert.True(batch.IsEmpty);
        // Outside a batch a send goes straight to the link.
        stack.Ipv4.Icmp.SendEchoRequest(NetAddress.Parse("10.9.0.1"), 1, 1, 8);
        Assert.Equal([10, 1], link.Writes);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Transport_handler_gets_trimmed_packets_and_icmp_errors()
    {
        using var net = new TwoStacks(enableTcp: false);
        var tcpB = net.B.GetOrAddTransport(_ => new RecordingTransport(IpProtocol.Tcp));
        var tcpA = net.A.GetOrAddTransport(_ => new RecordingTransport(IpProtocol.Tcp));
        Assert.Same(tcpB, net.B.GetOrAddTransport(_ => new RecordingTransport(IpProtocol.Tcp)));
        Assert.True(net.A.TryFindRoute(TwoStacks.B4, out RouteInfo route));
        PacketBuffer p = net.Pool.Rent(20);
        p.Append(20).Fill(7);
        Assert.Equal(SocketError.Success, net.A.SendTransport(p, route.LocalAddress, TwoStacks.B4, IpProtocol.Tcp, route));
        net.Pump();
        var (info, bytes, _) = Assert.Single(tcpB.Packets);
        Assert.Equal(new TransportPacketInfo(TwoStacks.A4, TwoStacks.B4, IpProtocol.Tcp, 1, 64, NetworkHeaderLength: 20), info);
        Assert.Equal(20, bytes.Length);

        // B answers with "fragmentation needed" quoting A's segment: A's handler hears of the MTU.
        byte[] quoted = new byte[28];
        Ipv4Header.Write(quoted, TwoStacks.A4, TwoStacks.B4, IpProtocol.Tcp, 40, 1, 64);
        quoted[20] = 0x9C; quoted[21] = 0x40; quoted[22] = 0; quoted[23] = 80; // ports 40000 -> 80
        quoted[27] = 42; // sequence
        PacketBuffer e = net.Pool.Rent(8 + 28);
        Span<byte> m = e.Append(8 + 28);
        IcmpV4Header.Write(m, IcmpV4Type.DestinationUnreachable, IcmpV4Code.FragmentationNeeded, 1400);
        quoted.CopyTo(m[8..]);
        Assert.True(IcmpV4Header.TryParse(m, out IcmpV4Header icmp));
        icmp.SetChecksum();
        Assert.True(net.B.TryFindRoute(TwoStacks.A4, out RouteInfo back));
        net.B.SendTransport(e, TwoStacks.B4, TwoStacks.A4, IpProtocol.Icmp, back);
        net.Pump();
        TransportErrorInfo error = Assert.Single(tcpA.Errors);
        Assert.Equal(TransportErrorKind.PacketTooBig, error.Kind);
        Assert.Equal((1400, (ushort)40000, (ushort)80, 42u), (error.Mtu, error.LocalPort, error.RemotePort, error.QuotedSequence));
        Assert.Equal((TwoStacks.A4, TwoStacks.B4), (error.LocalAddress, error.RemoteAddress));
    }

    [Fact]
    public void Tcp_larger_than_the_mtu_is_refused_and_counted()
    {
        using var net = new TwoStacks();
        Assert.True(net.A.TryFindRoute(TwoStacks.B4, out RouteInfo route));
        PacketBuffer p = net.Pool.Rent(3000);
        p.Append(3000);
        Assert.Equal(SocketError.MessageSize, net.A.SendTransport(p, route.LocalAddress, TwoStacks.B4, IpProtocol.Tcp, route));
        Assert.Equal(1, net.A.GetStatistics().Ip.FragFails);
        Assert.True(net.A.TryFindRoute(TwoStacks.B6, out route));
        p = net.Pool.Rent(3000);
        p.Append(3000);
        Assert.Equal(SocketError.MessageSize, net.A.SendTransport(p, route.LocalAddress, TwoStacks.B6, IpProtocol.Tcp, route));
        Assert.Equal(1, net.A.GetStatistics().Ip6.FragFails);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gso_super_segments_pass_whole_with_offsets_filled(bool v6)
    {
        var pool = new PacketPool();
        using var stack = new NetStack(new NetStackOptions { Pool = pool, TimeProvider = new ManualTimeProvider() });
        var link = new CountingLink(1500, LinkCapabilities.Gso | LinkCapabilities.TxChecksumOffload);
        stack.AddInterface(link, "10.9.0.2/24", "fd00:9::2/64");
        NetAddress to = v6 ? TwoStacks.A6 : TwoStacks.A4;
        Assert.True(stack.TryFindRoute(to, out RouteInfo route));
        Assert.Equal(65535, route.GsoMaxSize); // clamped to what the IP length field holds
        PacketBuffer p = pool.Rent(20 + 60000);
        p.Append(20 + 60000);
        p.Offload.GsoType = v6 ? GsoType.TcpV6 : GsoType.TcpV4;
        p.Offload.GsoSize = 1448;
        p.Offload.HeaderLength = 20;
        p.Offload.ChecksumStart = 0;
        p.Offload.ChecksumOffset = 16;
        p.Offload.NeedsChecksum = true;
        Assert.Equal(SocketError.Success, stack.SendTransport(p, route.LocalAddress, to, IpProtocol.Tcp, route));
        int ip = v6 ? 40 : 20;
        Assert.Equal(ip + 20 + 60000, Assert.Single(link.Packets).Length);
        OffloadInfo o = Assert.Single(link.Offloads);
        Assert.Equal((ip + 20, ip, 16), (o.HeaderLength, o.ChecksumStart, o.ChecksumOffset));
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Unknown_protocol_draws_protocol_unreachable()
    {
        using var net = new TwoStacks();
        Assert.True(net.A.TryFindRoute(TwoStacks.B4, out RouteInfo route));
        PacketBuffer p = net.Pool.Rent(8);
        p.Append(8);
        net.A.SendTransport(p, route.LocalAddress, TwoStacks.B4, 253, route);
        Assert.True(net.A.TryFindRoute(TwoStacks.B6, out route));
        p = net.Pool.Rent(8);
        p.Append(8);
        net.A.SendTransport(p, route.LocalAddress, TwoStacks.B6, 253, route);
        net.Pump();
        Assert.Equal(1, net.B.GetStatistics().Ip.InUnknownProtos);
        Assert.Equal(1, net.B.GetStatistics().Ip6.InUnknownProtos);
        Assert.Equal(1, net.A.GetStatistics().Icmp.InDestUnreachs);
        Assert.Equal(1, net.A.GetStatistics().Icmp6.InParmProbs);
    }

    [Fact]
    public void Icmp_errors_are_rate_limited()
    {
        using var net = new TwoStacks();
        using var client = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        for (int i = 0; i < 100; i++)
        {
            client.SendTo(new byte[1], TwoStacks.B4, 9);
        }
        net.Pump();
        Assert.Equal(100, net.B.GetStatistics().Udp.NoPorts);
        Assert.Equal(50, net.B.GetStatistics().Icmp.OutDestUnreachs); // the burst
        Assert.Equal(50, net.B.GetStatistics().Icmp.OutRateLimited);
        net.Clock.Advance(TimeSpan.FromMilliseconds(10)); // 1000/s: ten more tokens
        for (int i = 0; i < 20; i++)
        {
            client.SendTo(new byte[1], TwoStacks.B4, 9);
        }
        net.Pump();
        Assert.Equal(60, net.B.GetStatistics().Icmp.OutDestUnreachs);
    }

    [Fact]
    public void Statistics_are_published_as_observable_counters()
    {
        using var net = new TwoStacks();
        net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 1, 1, 8);
        net.Pump();
        using var recorder = new MeterRecorder(net.B.Meter);
        recorder.Collect();
        Assert.Equal(1, recorder.Values[("netstack.ip.packets.received", "ipv4")]);
        Assert.Equal(1, recorder.Values[("netstack.icmp.echo_requests.received", "ipv4")]);
        Assert.Equal(1, recorder.Values[("netstack.icmp.echo_replies.sent", "ipv4")]);
        Assert.Equal(0, recorder.Values[("netstack.udp.datagrams.no_port", null)]);
        Assert.True(recorder.Values.ContainsKey(("netstack.ip.reassembly.timeouts", "ipv6")));
    }
}
