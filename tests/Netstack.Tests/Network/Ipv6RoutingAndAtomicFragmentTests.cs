using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>
/// RFC 5095 (Type 0 routing headers deprecated) with RFC 8200 §4.4, and RFC 6946 (atomic fragments): what a host does
/// with a routing header it cannot follow and with a Fragment header that fragments nothing.
/// </summary>
public class Ipv6RoutingAndAtomicFragmentTests
{
    /// <summary>A Routing header of <paramref name="type"/> with <paramref name="segmentsLeft"/> and one address (24 bytes).</summary>
    private static byte[] RoutingHeader(byte nextHeader, byte type, byte segmentsLeft)
    {
        byte[] h = new byte[24];
        h[0] = nextHeader;
        h[1] = 2; // 2 units of 8 bytes beyond the first 8
        h[2] = type;
        h[3] = segmentsLeft;
        NetAddress.Parse("fd00:9::99").WriteTo(h.AsSpan(8));
        return h;
    }

    /// <summary>RFC 5095 §3 / RFC 8200 §4.4: Type 0 with segments left is discarded with parameter problem code 0 pointing at the Routing Type field.</summary>
    [Theory]
    [InlineData(0)] // Type 0, deprecated (RFC 5095)
    [InlineData(2)] // Type 2 (Mobile IPv6): a host without it treats it as unrecognized too
    public void Routing_header_with_segments_left_draws_parameter_problem_code_0_at_its_type(byte type)
    {
        using var host = new SingleHost();
        using UdpSocket socket = host.Stack.CreateUdpSocket(AddressFamily.InterNetworkV6);
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
        byte[] udp = SingleHost.Udp(SingleHost.Peer6, SingleHost.Host6, 53);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.Routing, SingleHost.Concat(RoutingHeader(IpProtocol.Udp, type, 1), udp)));
        Assert.Equal(0, socket.Available);
        var sent = SingleHost.Icmp6Messages(host.TakeWritten());
        var error = Assert.Single(sent);
        Assert.Equal((IcmpV6Type.ParameterProblem, IcmpV6Code.ErroneousHeaderField), (error.Type, error.Code));
        Assert.Equal(42u, error.Pointer); // the Routing Type field: byte 2 of the header at 40
        Assert.Equal(1, host.Statistics.Ip6.InHdrErrors);
    }

    /// <summary>RFC 5095 §3: with Segments Left 0 the header is ignored and the datagram processed.</summary>
    [Fact]
    public void Type_0_routing_header_with_no_segments_left_is_ignored()
    {
        using var host = new SingleHost();
        using UdpSocket socket = host.Stack.CreateUdpSocket(AddressFamily.InterNetworkV6);
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
        byte[] udp = SingleHost.Udp(SingleHost.Peer6, SingleHost.Host6, 53);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.Routing, SingleHost.Concat(RoutingHeader(IpProtocol.Udp, 0, 0), udp)));
        Assert.Equal(1, socket.Available);
        Assert.Empty(host.TakeWritten());
    }

    /// <summary>
    /// RFC 6946 §4: an atomic fragment (offset 0, M clear) is processed at once as a whole datagram and never mixed with a
    /// reassembly in progress that happens to share its identification: both datagrams arrive intact.
    /// </summary>
    [Fact]
    public async Task Atomic_fragment_is_delivered_whole_and_leaves_a_reassembly_with_its_id_alone()
    {
        using var host = new SingleHost();
        using UdpSocket socket = host.Stack.CreateUdpSocket(AddressFamily.InterNetworkV6);
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
        const uint id = 0x1234;
        byte[] big = SingleHost.Udp(SingleHost.Peer6, SingleHost.Host6, 53, 200 - 8);
        byte[] small = SingleHost.Udp(SingleHost.Peer6, SingleHost.Host6, 53, 10);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.Fragment, SingleHost.Concat(SingleHost.FragmentHeader(IpProtocol.Udp, 0, more: true, id), big[..96])));
        Assert.Equal(1, host.Stack.Ipv6.Reassembler.Count);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.Fragment, SingleHost.Concat(SingleHost.FragmentHeader(IpProtocol.Udp, 0, more: false, id), small)));
        Assert.Equal(1, socket.Available); // the atomic fragment, at once
        Assert.Equal(1, host.Stack.Ipv6.Reassembler.Count); // the reassembly untouched
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.Fragment, SingleHost.Concat(SingleHost.FragmentHeader(IpProtocol.Udp, 96, more: false, id), big[96..])));
        Assert.Equal(2, socket.Available);
        Assert.Equal(0, host.Stack.Ipv6.Reassembler.Count);
        byte[] buffer = new byte[1024];
        Assert.Equal(10, (await socket.ReceiveFromAsync(buffer)).ReceivedBytes);
        Assert.Equal(200 - UdpHeader.HeaderLength, (await socket.ReceiveFromAsync(buffer)).ReceivedBytes);
        Assert.Equal(0, host.Statistics.Ip6.ReasmFails);
    }
}
