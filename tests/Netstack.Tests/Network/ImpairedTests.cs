using System.Net;
using System.Net.Sockets;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>Ping and UDP echo with large (fragmented) datagrams over a link that duplicates and reorders packets.</summary>
public class ImpairedTests
{
    private static (TwoStacks Net, ImpairedLink Link) Create(int seed)
    {
        ImpairedLink? impaired = null;
        var net = new TwoStacks(wrapA: inner => impaired = new ImpairedLink(inner, new ImpairmentOptions { Duplicate = 0.2, Reorder = 0.3, Seed = seed }));
        return (net, impaired!);
    }

    private static void AssertImpaired(ImpairedLink link)
    {
        Assert.True(link.Outbound.Duplicated > 0 && link.Outbound.Reordered > 0);
        Assert.True(link.Inbound.Duplicated > 0 && link.Inbound.Reordered > 0);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public void Large_pings_survive_duplication_and_reordering(bool v6, int seed)
    {
        (TwoStacks created, ImpairedLink link) = Create(seed);
        using TwoStacks net = created;
        var replied = new HashSet<ushort>();
        int bigReplies = 0;
        void OnReply(NetAddress from, ushort id, ushort sequence, int length)
        {
            if (length == 3000)
            {
                replied.Add(sequence);
                bigReplies++;
            }
        }
        if (v6)
        {
            net.A.Ipv6.Icmp.EchoReplyReceived += OnReply;
        }
        else
        {
            net.A.Ipv4.Icmp.EchoReplyReceived += OnReply;
        }
        for (ushort i = 0; i < 30; i++)
        {
            if (v6)
            {
                net.A.Ipv6.Icmp.SendEchoRequest(TwoStacks.B6, 1, i, 3000);
            }
            else
            {
                net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 1, i, 3000);
            }
            net.Pump();
        }
        // Small pings push out anything held back for reordering.
        for (ushort i = 100; i < 110; i++)
        {
            if (v6)
            {
                net.A.Ipv6.Icmp.SendEchoRequest(TwoStacks.B6, 1, i, 8);
            }
            else
            {
                net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 1, i, 8);
            }
            net.Pump();
        }
        Assert.Equal(30, replied.Count);
        Assert.Equal(0, v6 ? net.B.GetStatistics().Ip6.ReasmOverlaps : net.B.GetStatistics().Ip.ReasmOverlaps);
        Assert.Equal(0, v6 ? net.A.GetStatistics().Ip6.ReasmOverlaps : net.A.GetStatistics().Ip.ReasmOverlaps);
        AssertImpaired(link);
        net.Clock.Advance(TimeSpan.FromMinutes(2)); // queues opened by late duplicates time out
        net.Pump();
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public async Task Udp_echo_of_60000_bytes_survives_duplication_and_reordering(bool v6, int seed)
    {
        (TwoStacks created, ImpairedLink link) = Create(seed);
        using TwoStacks net = created;
        AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        await using UdpSocket server = net.B.CreateUdpSocket(family);
        server.ReceiveBufferSize = 4 * 1024 * 1024;
        server.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 7));
        await using UdpSocket client = net.A.CreateUdpSocket(family);
        client.ReceiveBufferSize = 4 * 1024 * 1024;
        var target = new IPEndPoint((v6 ? TwoStacks.B6 : TwoStacks.B4).ToIPAddress(), 7);
        byte[] buffer = new byte[65536];
        var echoed = new HashSet<byte>();
        for (int i = 0; i < 10; i++)
        {
            byte[] data = new byte[60000];
            Array.Fill(data, (byte)i);
            await client.SendToAsync(data, target);
            net.Pump();
            while (server.TryReceiveFrom(buffer, out int n, out NetAddress from, out ushort port))
            {
                Assert.Equal(60000, n);
                server.SendTo(buffer.AsSpan(0, n), from, port);
            }
            net.Pump();
            while (client.TryReceiveFrom(buffer, out int n, out _, out _))
            {
                Assert.Equal(60000, n);
                Assert.True(buffer.AsSpan(0, n).IndexOfAnyExcept(buffer[0]) < 0, "a reassembled datagram mixes data of two datagrams");
                echoed.Add(buffer[0]);
            }
        }
        // Flush held-back packets with small datagrams both ways.
        for (int i = 0; i < 10; i++)
        {
            await client.SendToAsync(new byte[1], target);
            net.Pump();
            while (server.TryReceiveFrom(buffer, out int n, out NetAddress from, out ushort port))
            {
                server.SendTo(buffer.AsSpan(0, n), from, port);
            }
            net.Pump();
            while (client.TryReceiveFrom(buffer, out int n, out _, out _))
            {
                if (n == 60000)
                {
                    echoed.Add(buffer[0]);
                }
            }
        }
        Assert.Equal(10, echoed.Count);
        AssertImpaired(link);
        net.Clock.Advance(TimeSpan.FromMinutes(2));
        net.Pump();
    }
}
