using System.Net;
using System.Threading.Channels;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>A forwarder stack answers pings to other hosts only through its echo forwarder, never on its own.</summary>
public class EchoForwarderTests
{
    private static readonly NetAddress Elsewhere = NetAddress.Parse("10.77.1.5");

    private static TcpPair PairRoutingElsewhereToB()
    {
        var p = new TcpPair();
        Assert.True(p.A.TryFindRoute(TcpPair.B4, out RouteInfo toB));
        p.A.AddRoute(IPNetwork.Parse("10.77.0.0/16"), toB.InterfaceId);
        return p;
    }

    [Fact]
    public void A_ping_to_another_host_goes_to_the_echo_forwarder_and_its_reply_comes_from_that_host()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        var requests = Channel.CreateUnbounded<IcmpEchoRequest>();
        using ForwarderRegistration forwarder = p.B.ForwardIcmpEcho(r => requests.Writer.TryWrite(r));
        var replies = new List<(NetAddress From, ushort Id, ushort Seq, int Length)>();
        p.A.Ipv4.Icmp.EchoReplyReceived += (from, id, seq, length) => replies.Add((from, id, seq, length));

        p.A.Ipv4.Icmp.SendEchoRequest(Elsewhere, identifier: 77, sequence: 3, dataLength: 56);
        p.Pump();
        IcmpEchoRequest request = requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        Assert.Equal((Elsewhere.ToIPAddress(), TcpPair.A4.ToIPAddress(), (ushort)77, (ushort)3, 56),
            (request.Destination, request.Source, request.Identifier, request.SequenceNumber, request.Data.Length));
        Assert.Empty(replies);

        request.Reply();
        p.Pump();
        Assert.Equal((Elsewhere, (ushort)77, (ushort)3, 56), Assert.Single(replies));
    }

    [Fact]
    public void Without_an_echo_forwarder_only_the_stacks_own_addresses_answer()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        using ForwarderRegistration tcp = p.B.ForwardTcp(r => r.Refuse()); // accepts packets to every address
        var replies = new List<NetAddress>();
        p.A.Ipv4.Icmp.EchoReplyReceived += (from, _, _, _) => replies.Add(from);

        p.A.Ipv4.Icmp.SendEchoRequest(Elsewhere, 1, 1, 8);
        p.A.Ipv4.Icmp.SendEchoRequest(TcpPair.B4, 1, 2, 8);
        p.Pump();
        Assert.Equal([TcpPair.B4], replies);
    }
}
