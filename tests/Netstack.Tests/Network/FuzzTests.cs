using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>
/// Hostile input: a million random and mutated packets (mutations of valid IPv4/IPv6 ICMP, UDP, TCP and
/// fragment packets) delivered straight into a stack. Nothing may escape (DeliverPackets counts escaped
/// exceptions in Ip.InDiscards, which must stay 0), no buffer may leak, and the stack must still answer a ping.
/// </summary>
public class FuzzTests
{
    private const int Packets = 1_000_000;

    [Fact]
    public void A_million_hostile_packets_neither_crash_nor_leak()
    {
        var random = new Random(12345);
        byte[][] seeds;
        using (var net = new TwoStacks(tap: true))
        {
            seeds = Seeds();
            using UdpSocket socket = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
            socket.Bind(new IPEndPoint(IPAddress.Any, 53));
            using UdpSocket socket6 = net.B.CreateUdpSocket(AddressFamily.InterNetworkV6);
            socket6.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
            net.TapB!.Filter = _ => false; // B's answers go nowhere during the storm
            net.TapB.Capabilities = LinkCapabilities.RxChecksumOffload; // so the stack honours the flag below
            var batch = new PacketBatch();
            byte[] scratch = new byte[2048];
            for (int i = 0; i < Packets; i++)
            {
                int length = Mutate(random, seeds[random.Next(seeds.Length)], scratch);
                PacketBuffer p = net.Pool.RentCopy(scratch.AsSpan(0, length));
                if (random.Next(2) == 0)
                {
                    // Half skip checksums to reach deeper code: the transport one by the flag, the IPv4 header's
                    // (always checked) by fixing it.
                    p.Offload.ChecksumValid = true;
                    FixIpv4HeaderChecksum(p.Span);
                }
                batch.Add(p);
                if (batch.Count == 64)
                {
                    net.B.DeliverPackets(net.TapB, batch);
                    if (i % 100_000 == 0)
                    {
                        net.Clock.Advance(TimeSpan.FromSeconds(7)); // let reassembly timeouts and the rate limiter run
                    }
                }
            }
            net.B.DeliverPackets(net.TapB, batch);
            Assert.Equal(0, net.B.GetStatistics().Ip.InDiscards);
            Assert.True(net.B.GetStatistics().Ip.InReceives + net.B.GetStatistics().Ip6.InReceives >= Packets);
            // The mutations reached past the IP checks into every layer.
            Assert.True(net.B.GetStatistics().Udp.InDatagrams > 0);
            Assert.True(net.B.GetStatistics().Udp.NoPorts > 0);
            Assert.True(net.B.GetStatistics().Icmp.InEchos > 0 && net.B.GetStatistics().Icmp6.InEchos > 0);
            Assert.True(net.B.GetStatistics().Icmp6.InNeighborSolicits > 0);
            Assert.True(net.B.GetStatistics().Ip.ReasmReqds > 0 && net.B.GetStatistics().Ip6.ReasmReqds > 0);
            Assert.True(net.B.GetStatistics().Ip.InHdrErrors > 0 && net.B.GetStatistics().Ip6.InHdrErrors > 0);

            // Still alive: answers a ping.
            net.TapB.Filter = null;
            net.Clock.Advance(TimeSpan.FromMinutes(2));
            int replies = 0;
            net.A.Ipv4.Icmp.EchoReplyReceived += (_, _, _, _) => replies++;
            net.A.Ipv6.Icmp.EchoReplyReceived += (_, _, _, _) => replies++;
            net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 1, 1, 2000);
            net.A.Ipv6.Icmp.SendEchoRequest(TwoStacks.B6, 1, 1, 2000);
            net.Pump();
            Assert.Equal(2, replies);
        }
    }

    private static int Mutate(Random random, byte[] seed, byte[] output)
    {
        int kind = random.Next(10);
        if (kind == 0)
        {
            // Pure noise, with a plausible version nibble most of the time.
            int n = random.Next(0, 200);
            random.NextBytes(output.AsSpan(0, n));
            if (n > 0 && random.Next(4) != 0)
            {
                output[0] = (byte)((random.Next(2) == 0 ? 0x40 : 0x60) | (output[0] & 0x0F));
            }
            return n;
        }
        seed.CopyTo(output, 0);
        int length = seed.Length;
        int flips = 1 + random.Next(4);
        for (int f = 0; f < flips; f++)
        {
            // Bias towards the headers, where the lengths and offsets live.
            int at = random.Next(3) == 0 ? random.Next(length) : random.Next(Math.Min(length, 64));
            output[at] = random.Next(3) switch
            {
                0 => (byte)random.Next(256),
                1 => (byte)(output[at] ^ (1 << random.Next(8))),
                _ => random.Next(2) == 0 ? (byte)0 : (byte)0xFF,
            };
        }
        if (kind == 1)
        {
            length = random.Next(length + 1); // truncate
        }
        else if (kind == 2)
        {
            int extra = random.Next(64);
            random.NextBytes(output.AsSpan(length, extra)); // trailing garbage / padding
            length += extra;
        }
        return length;
    }

    /// <summary>Valid packets from A to B for <see cref="Mutate"/> to start from (the order matters: the fuzzer picks them by index).</summary>
    private static void FixIpv4HeaderChecksum(Span<byte> packet)
    {
        int headerLength = packet.Length > 0 && packet[0] >> 4 == 4 ? (packet[0] & 0x0F) * 4 : 0;
        if (headerLength >= Ipv4Header.MinLength && headerLength <= packet.Length)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[Ipv4Header.ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(packet[Ipv4Header.ChecksumOffset..], Checksum.Compute(packet[..headerLength]));
        }
    }

    private static byte[][] Seeds() => [.. Ipv4Seeds(), .. Ipv6Seeds()];

    private static List<byte[]> Ipv4Seeds()
    {
        var list = new List<byte[]>();
        NetAddress a4 = TwoStacks.A4, b4 = TwoStacks.B4;
        list.Add(V4(IpProtocol.Icmp, Icmp4Echo()));
        list.Add(V4(IpProtocol.Udp, Udp(a4, b4, 40)));
        list.Add(V4(IpProtocol.Udp, Udp(a4, b4, 40, 9)));
        list.Add(V4(IpProtocol.Tcp, TcpSyn()));
        list.Add(V4(99, new byte[12]));
        byte[] big = Udp(a4, b4, 100);
        list.Add(V4(IpProtocol.Udp, big.AsSpan(0, 48), 0, more: true, id: 7));
        list.Add(V4(IpProtocol.Udp, big.AsSpan(48, 48), 48, more: true, id: 7));
        list.Add(V4(IpProtocol.Udp, big.AsSpan(96), 96, more: false, id: 7));
        list.Add(V4WithOptions());
        list.Add(V4(IpProtocol.Icmp, Icmp4ErrorQuotingOurDatagram()));
        return list;
    }

    private static List<byte[]> Ipv6Seeds()
    {
        var list = new List<byte[]>();
        NetAddress a6 = TwoStacks.A6, b6 = TwoStacks.B6;
        byte[] echo6 = new byte[64];
        IcmpV6Header.WriteEcho(echo6, IcmpV6Type.EchoRequest, 1, 2);
        Assert.True(IcmpV6Header.TryParse(echo6, out IcmpV6Header e6));
        e6.SetChecksum(a6, b6);
        list.Add(V6(IpProtocol.IcmpV6, echo6));
        list.Add(V6(IpProtocol.Udp, Udp(a6, b6, 40)));
        list.Add(V6(IpProtocol.Udp, Udp(a6, b6, 40, 9)));
        list.Add(V6(IpProtocol.Tcp, TcpSyn()));
        byte[] hbh = new byte[8 + 16];
        hbh[0] = IpProtocol.Udp; hbh[1] = 0; hbh[2] = 1; hbh[3] = 4; // PadN
        Udp(a6, b6, 8).CopyTo(hbh, 8);
        list.Add(V6(IpProtocol.HopByHop, hbh));
        byte[] frag = new byte[8 + 48];
        Ipv6FragmentHeader.Write(frag, IpProtocol.Udp, 0, true, 99);
        Udp(a6, b6, 100).AsSpan(0, 48).CopyTo(frag.AsSpan(8));
        list.Add(V6(IpProtocol.Fragment, frag));
        byte[] frag2 = new byte[8 + 60];
        Ipv6FragmentHeader.Write(frag2, IpProtocol.Udp, 48, false, 99);
        list.Add(V6(IpProtocol.Fragment, frag2));
        byte[] ns = new byte[24];
        IcmpV6Header.WriteNeighborSolicitation(ns, b6, null);
        byte[] nsPacket = V6(IpProtocol.IcmpV6, ns);
        nsPacket[7] = 255;
        list.Add(nsPacket);
        return list;
    }

    private static byte[] V4(byte protocol, ReadOnlySpan<byte> payload, int offset = 0, bool more = false, ushort id = 1)
    {
        byte[] p = new byte[20 + payload.Length];
        Ipv4Header.Write(p, TwoStacks.A4, TwoStacks.B4, protocol, p.Length, id, 64, dontFragment: offset == 0 && !more, fragmentOffset: offset, moreFragments: more);
        payload.CopyTo(p.AsSpan(20));
        return p;
    }

    private static byte[] V6(byte next, ReadOnlySpan<byte> payload)
    {
        byte[] p = new byte[40 + payload.Length];
        Ipv6Header.Write(p, TwoStacks.A6, TwoStacks.B6, next, payload.Length, 64);
        payload.CopyTo(p.AsSpan(40));
        return p;
    }

    /// <summary>A UDP datagram in an IPv4 header carrying 8 bytes of options (NOPs and EOL).</summary>
    private static byte[] V4WithOptions()
    {
        byte[] withOptions = V4(IpProtocol.Udp, Udp(TwoStacks.A4, TwoStacks.B4, 8));
        byte[] opt = new byte[withOptions.Length + 8];
        withOptions.AsSpan(0, 20).CopyTo(opt);
        opt[0] = 0x47; opt[20] = 1; opt[21] = 1; opt[22] = 1; opt[23] = 0; // NOPs and EOL
        withOptions.AsSpan(20).CopyTo(opt.AsSpan(28));
        opt[3] = (byte)opt.Length;
        return opt;
    }

    /// <summary>An ICMPv4 port unreachable quoting one of our datagrams.</summary>
    private static byte[] Icmp4ErrorQuotingOurDatagram()
    {
        byte[] quoted = V4(IpProtocol.Udp, Udp(TwoStacks.B4, TwoStacks.A4, 8));
        quoted.AsSpan(12, 4).Reverse();
        byte[] err = new byte[8 + 28];
        IcmpV4Header.Write(err, IcmpV4Type.DestinationUnreachable, IcmpV4Code.PortUnreachable);
        quoted.AsSpan(0, 28).CopyTo(err.AsSpan(8));
        return err;
    }

    private static byte[] Icmp4Echo()
    {
        byte[] m = new byte[64];
        IcmpV4Header.WriteEcho(m, IcmpV4Type.EchoRequest, 1, 2);
        Assert.True(IcmpV4Header.TryParse(m, out IcmpV4Header h));
        h.SetChecksum();
        return m;
    }

    private static byte[] Udp(NetAddress src, NetAddress dst, int size, ushort port = 53)
    {
        byte[] d = new byte[8 + size];
        UdpHeader.Write(d, 4000, port, d.Length);
        Assert.True(UdpHeader.TryParse(d, out UdpHeader h));
        h.SetChecksum(src, dst);
        return d;
    }

    private static byte[] TcpSyn()
    {
        byte[] t = new byte[20];
        t[0] = 0x10; t[2] = 0; t[3] = 80; t[12] = 0x50; t[13] = (byte)TcpFlags.Syn;
        return t;
    }
}
