using Netstack.Stack;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Network;

public class PingTests
{
    [Theory]
    [InlineData(false, 56)]
    [InlineData(true, 56)]
    [InlineData(false, 3000)]
    [InlineData(true, 3000)]
    [InlineData(false, 65000)]
    [InlineData(true, 65000)]
    public void Echo_request_is_answered(bool v6, int size)
    {
        using var net = new TwoStacks();
        var replies = new List<(NetAddress, ushort, ushort, int)>();
        if (v6)
        {
            net.A.Ipv6.Icmp.EchoReplyReceived += (a, i, s, n) => replies.Add((a, i, s, n));
            net.A.Ipv6.Icmp.SendEchoRequest(TwoStacks.B6, 7, 1, size);
        }
        else
        {
            net.A.Ipv4.Icmp.EchoReplyReceived += (a, i, s, n) => replies.Add((a, i, s, n));
            net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 7, 1, size);
        }
        net.Pump();
        Assert.Equal([(v6 ? TwoStacks.B6 : TwoStacks.B4, (ushort)7, (ushort)1, size)], replies);
        IcmpStatisticsSnapshot icmpB = v6 ? net.B.GetStatistics().Icmp6 : net.B.GetStatistics().Icmp;
        Assert.Equal(1, icmpB.InEchos);
        Assert.Equal(1, icmpB.OutEchoReps);
        if (size > 1500)
        {
            long fragmentsA = v6 ? net.A.GetStatistics().Ip6.FragCreates : net.A.GetStatistics().Ip.FragCreates;
            long reassembledB = v6 ? net.B.GetStatistics().Ip6.ReasmOKs : net.B.GetStatistics().Ip.ReasmOKs;
            long reassembledA = v6 ? net.A.GetStatistics().Ip6.ReasmOKs : net.A.GetStatistics().Ip.ReasmOKs;
            Assert.True(fragmentsA >= 3);
            Assert.Equal(1, reassembledB);
            Assert.Equal(1, reassembledA);
        }
    }

    [Fact]
    public void Neighbour_solicitation_is_answered_with_an_advertisement()
    {
        using var net = new TwoStacks(tap: true);
        var seen = new List<byte[]>();
        net.TapB!.Filter = p => { seen.Add(p.Span.ToArray()); return true; };
        // A solicits B's address at B's solicited-node group, as a kernel would.
        NetAddress group = Ipv6Addresses.SolicitedNode(TwoStacks.B6);
        var packet = net.Pool.Rent(80);
        Span<byte> bytes = packet.Append(Ipv6Header.Length + IcmpV6Header.NeighborMessageLength);
        Ipv6Header.Write(bytes, TwoStacks.A6, group, IpProtocol.IcmpV6, IcmpV6Header.NeighborMessageLength, 255);
        IcmpV6Header.WriteNeighborSolicitation(bytes[Ipv6Header.Length..], TwoStacks.B6, null);
        Assert.True(IcmpV6Header.TryParse(bytes[Ipv6Header.Length..], out IcmpV6Header ns));
        ns.SetChecksum(TwoStacks.A6, group);
        net.B.DeliverPacket(1, packet);
        Assert.Single(seen);
        Assert.True(Ipv6Header.TryParse(seen[0], out Ipv6Header ip));
        Assert.Equal((TwoStacks.B6, TwoStacks.A6, (byte)255), (ip.Source, ip.Destination, ip.HopLimit));
        Assert.True(IcmpV6Header.TryParse(ip.Payload, out IcmpV6Header na));
        Assert.Equal(IcmpV6Type.NeighborAdvertisement, na.Type);
        Assert.Equal(TwoStacks.B6, na.TargetAddress);
        Assert.Equal(IcmpV6Header.SolicitedFlag | IcmpV6Header.OverrideFlag, na.NeighborFlags);
        Assert.True(na.IsChecksumValid(ip.Source, ip.Destination));
        net.Pump();
    }

    [Fact]
    public void Bad_header_checksum_is_dropped_and_counted()
    {
        using var net = new TwoStacks(tap: true);
        net.TapA!.Filter = p => { p.Span[Ipv4Header.ChecksumOffset] ^= 0x55; return true; };
        net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 1, 1, 10);
        net.Pump();
        Assert.Equal(1, net.B.GetStatistics().Ip.InCsumErrors);
        Assert.Equal(1, net.B.GetStatistics().Ip.InHdrErrors);
        Assert.Equal(0, net.B.GetStatistics().Icmp.InEchos);
    }

    [Fact]
    public void Packets_for_other_hosts_are_dropped()
    {
        using var net = new TwoStacks();
        net.A.AddRoute(System.Net.IPNetwork.Parse("10.9.7.0/24"), 1);
        net.A.Ipv4.Icmp.SendEchoRequest(NetAddress.Parse("10.9.7.7"), 1, 1, 10);
        net.Pump();
        Assert.Equal(1, net.B.GetStatistics().Ip.InAddrErrors);
    }
}
