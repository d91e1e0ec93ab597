using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Sockets;
using Netstack.Tests.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// TCP and ICMP through the IP layers of two stacks: path MTU discovery from a router's message (RFC 1191 for IPv4's
/// "fragmentation needed", RFC 8201 for IPv6's Packet Too Big) with RFC 5927's check of the quoted sequence number, and
/// RFC 1122 §4.2.3.10's silence towards broadcast and multicast destinations.
/// </summary>
public class TcpIcmpWireTests
{
    private static readonly NetAddress Router4 = NetAddress.Parse("10.9.0.254");
    private static readonly NetAddress Router6 = NetAddress.Parse("fd00:9::fe");

    /// <summary>
    /// A router on the path drops A's first data segment and answers with the ICMP error quoting it (advertising an MTU of
    /// 1280): A lowers its MSS to fit and the data arrives. With <paramref name="quoteOutsideWindow"/> the quoted sequence
    /// number is moved outside SND.UNA..SND.NXT, as a blind attacker's guess would be, and the error is ignored.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Icmp_packet_too_big_lowers_the_mss_unless_its_quoted_sequence_is_not_in_flight(bool v6, bool quoteOutsideWindow)
    {
        using var net = new TwoStacks(tap: true);
        using TcpConnectionListener listener = net.B.ListenTcp(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 80));
        TcpEndpoint client = TcpProtocol.For(net.A).Connect(v6 ? TwoStacks.B6 : TwoStacks.B4, 80, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        net.Pump();
        TcpEndpoint? server = listener.Socket.TryAccept(false, out _);
        Assert.NotNull(server);
        int mssBefore = client.GetInfo().SendMss;
        int ipHeader = v6 ? Ipv6Header.Length : Ipv4Header.MinLength;

        byte[]? dropped = null;
        // The router drops every full-sized segment until its error is in (the first is quoted), so no SACK from B makes
        // A resend the quoted one before the error arrives (a quote below SND.UNA is rightly ignored, RFC 5927).
        net.TapA!.Filter = p =>
        {
            if (p.Length > ipHeader + TcpSegment.MinHeaderLength + 12)
            {
                dropped ??= p.Span.ToArray(); // "too big for the next hop"
                return false;
            }
            return true;
        };
        byte[] data = new byte[3000];
        new Random(5).NextBytes(data);
        Assert.Equal(data.Length, client.Send(data, false, out _));
        net.Pump();
        Assert.NotNull(dropped);
        net.TapA.Filter = null;

        byte[] quote = dropped[..(ipHeader + 8)]; // the IP header and the first 8 bytes: ports and sequence number
        if (quoteOutsideWindow)
        {
            quote[ipHeader + 4] ^= 0x40; // a sequence number 2^30 away
        }
        net.A.DeliverPacket(1, v6 ? PacketTooBig6(net.Pool, quote, 1280) : FragmentationNeeded4(net.Pool, quote, 1280));
        int expectedMss = quoteOutsideWindow ? mssBefore : 1280 - ipHeader - TcpSegment.MinHeaderLength - 12; // timestamps on
        Assert.Equal(expectedMss, client.GetInfo().SendMss);
        Assert.Equal(1, v6 ? net.A.GetStatistics().Icmp6.InPktTooBigs : net.A.GetStatistics().Icmp.InPktTooBigs);

        // Either way the data arrives: resent at once in smaller segments, or after the RTO at the old size.
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        for (int i = 0; i < 1000 && received.Length < data.Length; i++)
        {
            net.Pump();
            int n = server.Receive(buffer, false, out _, out _);
            received.Write(buffer, 0, n);
            if (n == 0)
            {
                net.Clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }
        Assert.Equal(data, received.ToArray());
        client.Abort();
        server.Abort();
        net.Pump();
    }

    /// <summary>RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast address gets neither a SYN-ACK (listening port) nor a RST (closed port).</summary>
    [Theory]
    [InlineData("10.9.0.2", 80, 1)] // unicast twin: a SYN-ACK
    [InlineData("10.9.0.2", 81, 1)] // unicast twin: a RST
    [InlineData("10.9.0.255", 80, 0)] // this subnet's broadcast: only the IP layer knows it is one
    [InlineData("10.9.0.255", 81, 0)]
    [InlineData("255.255.255.255", 80, 0)]
    [InlineData("224.0.0.1", 80, 0)]
    [InlineData("224.0.0.1", 81, 0)]
    [InlineData("fd00:9::2", 80, 1)]
    [InlineData("ff02::1", 80, 0)]
    [InlineData("ff02::1", 81, 0)]
    public void No_syn_ack_or_rst_to_a_broadcast_or_multicast_destination(string destination, ushort port, int answers)
    {
        using var net = new TwoStacks(tap: true);
        NetAddress dst = NetAddress.Parse(destination);
        using TcpConnectionListener listener = net.B.ListenTcp(new IPEndPoint(dst.IsV6 ? IPAddress.IPv6Any : IPAddress.Any, 80));
        NetAddress src = dst.IsV6 ? TwoStacks.A6 : TwoStacks.A4;
        TcpSegment syn = default;
        syn.Flags = TcpFlags.Syn;
        syn.WindowScale = -1;
        syn.SourcePort = 40000;
        syn.DestinationPort = port;
        syn.Seq = new SeqNumber(12345);
        syn.Window = 65535;
        syn.Mss = 1460;
        int ipHeader = dst.IsV6 ? Ipv6Header.Length : Ipv4Header.MinLength;
        int tcpLength = syn.ComputeHeaderLength();
        PacketBuffer packet = net.Pool.Rent(ipHeader + tcpLength);
        Span<byte> bytes = packet.Append(ipHeader + tcpLength);
        if (dst.IsV6)
        {
            Ipv6Header.Write(bytes, src, dst, IpProtocol.Tcp, tcpLength, 64);
        }
        else
        {
            Ipv4Header.Write(bytes, src, dst, IpProtocol.Tcp, bytes.Length, 1, 64);
        }
        syn.Write(bytes[ipHeader..]);
        TcpSegment.WriteChecksum(bytes[ipHeader..], src, dst);
        net.B.DeliverPacket(1, packet);
        Assert.Equal(answers, net.TapB!.Written);
        Assert.Equal(answers, net.B.GetStatistics().Tcp.OutSegs);
        Assert.Equal(port == 80 ? answers : 0, TcpProtocol.For(net.B).ConnectionCount); // no half-open connection either
        net.Pump();
    }

    private static PacketBuffer FragmentationNeeded4(PacketPool pool, byte[] quote, int mtu)
    {
        int length = Ipv4Header.MinLength + IcmpV4Header.HeaderLength + quote.Length;
        PacketBuffer p = pool.Rent(length);
        Span<byte> b = p.Append(length);
        Ipv4Header.Write(b, Router4, TwoStacks.A4, IpProtocol.Icmp, length, 9, 64);
        IcmpV4Header.Write(b[Ipv4Header.MinLength..], IcmpV4Type.DestinationUnreachable, IcmpV4Code.FragmentationNeeded, (uint)mtu); // RFC 1191 §4: next-hop MTU in the low 16 bits
        quote.CopyTo(b[(Ipv4Header.MinLength + IcmpV4Header.HeaderLength)..]);
        Assert.True(IcmpV4Header.TryParse(b[Ipv4Header.MinLength..], out IcmpV4Header icmp));
        icmp.SetChecksum();
        return p;
    }

    private static PacketBuffer PacketTooBig6(PacketPool pool, byte[] quote, int mtu)
    {
        int icmpLength = IcmpV6Header.HeaderLength + quote.Length;
        PacketBuffer p = pool.Rent(Ipv6Header.Length + icmpLength);
        Span<byte> b = p.Append(Ipv6Header.Length + icmpLength);
        Ipv6Header.Write(b, Router6, TwoStacks.A6, IpProtocol.IcmpV6, icmpLength, 64);
        IcmpV6Header.Write(b[Ipv6Header.Length..], IcmpV6Type.PacketTooBig, 0, (uint)mtu);
        quote.CopyTo(b[(Ipv6Header.Length + IcmpV6Header.HeaderLength)..]);
        Assert.True(IcmpV6Header.TryParse(b[Ipv6Header.Length..], out IcmpV6Header icmp));
        icmp.SetChecksum(Router6, TwoStacks.A6);
        return p;
    }
}
