using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Network;

public class OptionsTests
{
    private static byte[] Udp(NetAddress src, NetAddress dst, int size, ushort port)
    {
        byte[] d = new byte[8 + size];
        UdpHeader.Write(d, 4000, port, d.Length);
        Assert.True(UdpHeader.TryParse(d, out UdpHeader h));
        h.SetChecksum(src, dst);
        return d;
    }

    [Fact]
    public void Ipv4_options_are_skipped_and_the_datagram_delivered()
    {
        using var net = new TwoStacks(tap: true);
        using UdpSocket s = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        s.Bind(new IPEndPoint(IPAddress.Any, 53));
        byte[] udp = Udp(TwoStacks.A4, TwoStacks.B4, 5, 53);
        var p = net.Pool.Rent(28 + udp.Length);
        Span<byte> b = p.Append(28 + udp.Length);
        Ipv4Header.Write(b, TwoStacks.A4, TwoStacks.B4, IpProtocol.Udp, b.Length, 1, 64);
        b[0] = 0x47; // IHL 7: 8 bytes of options
        b[20] = 7; b[21] = 7; b[22] = 4; b[23] = 0; b[24] = 1; b[25] = 1; b[26] = 1; b[27] = 0; // record route (empty), NOPs, EOL
        udp.CopyTo(b[28..]);
        Assert.True(Ipv4Header.TryParse(b, out Ipv4Header ip));
        ip.SetChecksum();
        net.B.DeliverPacket(1, p);
        Assert.Equal(1, s.Available);
    }

    [Theory]
    [InlineData(0x05, true, 0)]   // router alert: known
    [InlineData(0x1E, true, 0)]   // 00xxxxxx unknown: skip
    [InlineData(0x5E, false, 0)]  // 01: discard silently
    [InlineData(0x9E, false, 1)]  // 10: discard, parameter problem
    [InlineData(0xDE, false, 1)]  // 11: discard, parameter problem (unicast)
    public void Ipv6_hop_by_hop_options_follow_their_type(byte optionType, bool delivered, int errors)
    {
        using var net = new TwoStacks(tap: true);
        using UdpSocket s = net.B.CreateUdpSocket(AddressFamily.InterNetworkV6);
        s.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
        byte[] udp = Udp(TwoStacks.A6, TwoStacks.B6, 5, 53);
        var p = net.Pool.Rent(48 + udp.Length);
        Span<byte> b = p.Append(48 + udp.Length);
        Ipv6Header.Write(b, TwoStacks.A6, TwoStacks.B6, IpProtocol.HopByHop, 8 + udp.Length, 64);
        b[40] = IpProtocol.Udp; b[41] = 0; b[42] = optionType; b[43] = 2; b[44] = 0; b[45] = 0; b[46] = 1; b[47] = 0; // option(2), PadN(0)
        udp.CopyTo(b[48..]);
        net.B.DeliverPacket(1, p);
        Assert.Equal(delivered ? 1 : 0, s.Available);
        Assert.Equal(errors, net.B.GetStatistics().Icmp6.OutMsgs);
        net.Pump();
        Assert.Equal(errors, net.A.GetStatistics().Icmp6.InParmProbs);
    }

    [Fact]
    public void Broadcasts_draw_no_echo_reply_and_no_port_unreachable()
    {
        using var net = new TwoStacks(tap: true);
        byte[] udp = Udp(TwoStacks.A4, NetAddress.Parse("10.9.0.255"), 4, 9);
        var p = net.Pool.Rent(20 + udp.Length);
        Span<byte> b = p.Append(20 + udp.Length);
        Ipv4Header.Write(b, TwoStacks.A4, NetAddress.Parse("10.9.0.255"), IpProtocol.Udp, b.Length, 1, 64);
        udp.CopyTo(b[20..]);
        net.B.DeliverPacket(1, p);
        var e = net.Pool.Rent(28);
        Span<byte> m = e.Append(28);
        Ipv4Header.Write(m, TwoStacks.A4, NetAddress.Parse("255.255.255.255"), IpProtocol.Icmp, 28, 2, 64);
        IcmpV4Header.WriteEcho(m[20..], IcmpV4Type.EchoRequest, 1, 1);
        Assert.True(IcmpV4Header.TryParse(m[20..], out IcmpV4Header icmp));
        icmp.SetChecksum();
        net.B.DeliverPacket(1, e);
        Assert.Equal(1, net.B.GetStatistics().Udp.NoPorts);
        Assert.Equal(1, net.B.GetStatistics().Icmp.InEchos);
        Assert.Equal(2, net.B.GetStatistics().Ip.InBcastPkts);
        Assert.Equal(0, net.B.GetStatistics().Icmp.OutMsgs);
    }
}
