using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// A forwarder stack terminates connections to addresses it does not own, the way user-mode networking needs, and
/// answers a SYN only when its handler has decided (Tailscale's order: dial first, then SYN-ACK, RST or ICMP).
/// </summary>
public class TcpForwarderTwoStackTests
{
    private static readonly NetAddress Elsewhere = NetAddress.Parse("10.77.1.5");

    private static TcpPair PairRoutingElsewhereToB() => TcpPair.RoutingToB("10.77.0.0/16");

    /// <summary>Waits (on the real clock: the handler runs on the thread pool) for the forwarder's next request.</summary>
    private static TcpForwarderRequest NextRequest(ChannelReader<TcpForwarderRequest> requests) =>
        requests.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    [Fact]
    public void The_SYN_is_answered_only_after_the_handler_accepts_and_the_connection_carries_data()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        var requests = Channel.CreateUnbounded<TcpForwarderRequest>();
        using ForwarderRegistration forwarder = p.B.ForwardTcp(r => requests.Writer.TryWrite(r));
        Assert.True(p.B.AcceptAnyDestination);

        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        p.Pump();
        TcpForwarderRequest request = NextRequest(requests.Reader);
        Assert.Equal(new IPEndPoint(Elsewhere.ToIPAddress(), 8080), request.LocalEndPoint);
        Assert.Equal(TcpPair.A4.ToIPAddress(), request.RemoteEndPoint.Address);
        Assert.Equal(1, forwarder.Pending);

        // While the handler dials, nothing answers the SYN, and its retransmission is not a second request.
        p.Clock.Advance(TimeSpan.FromSeconds(1.5));
        p.Pump();
        Assert.Equal(SocketError.IOPending, client.PollConnect(false));
        Assert.False(requests.Reader.TryRead(out _));

        ValueTask<TcpConnection> accepting = request.AcceptAsync();
        p.Pump();
        Assert.Equal(0, forwarder.Pending);
        Assert.Equal(SocketError.Success, client.PollConnect(false));
        TcpConnection server = accepting.AsTask().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        Assert.Equal(request.LocalEndPoint, server.LocalEndPoint);

        byte[] data = new byte[100_000];
        new Random(3).NextBytes(data);
        Assert.Equal(data, p.Transfer(client, server.Endpoint, data));
        Assert.Equal(data, p.Transfer(server.Endpoint, client, data));
        Assert.Throws<InvalidOperationException>(() => request.AcceptAsync().AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public void A_refused_request_resets_the_connect_at_once()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        using ForwarderRegistration forwarder = p.B.ForwardTcp(r => r.Refuse());
        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out _);
        SocketError state = PumpUntilDecided(p, client);
        Assert.Equal(SocketError.ConnectionRefused, state);
    }

    [Fact]
    public void An_unreachable_request_fails_the_connect_with_an_icmp_error()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        using ForwarderRegistration forwarder = p.B.ForwardTcp(r => r.Unreachable(TcpForwarderUnreachable.Host));
        long sent = p.B.GetStatistics().Icmp.OutDestUnreachs;
        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out _);
        SocketError state = PumpUntilDecided(p, client);
        Assert.Equal(SocketError.HostUnreachable, state);
        Assert.Equal(sent + 1, p.B.GetStatistics().Icmp.OutDestUnreachs);
    }

    [Fact]
    public void A_handler_that_throws_refuses_rather_than_leaving_the_peer_waiting()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        using ForwarderRegistration forwarder = p.B.ForwardTcp(_ => throw new InvalidOperationException("dial failed"));
        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out _);
        Assert.Equal(SocketError.ConnectionRefused, PumpUntilDecided(p, client));
    }

    [Fact]
    public void Pending_requests_are_bounded_and_the_excess_is_dropped_and_counted()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        var requests = Channel.CreateUnbounded<TcpForwarderRequest>();
        int reports = 0;
        using ForwarderRegistration forwarder = p.B.ForwardTcp(r => requests.Writer.TryWrite(r),
            new TcpForwarderOptions { MaxPendingRequests = 1, LimitReached = () => Interlocked.Increment(ref reports) });
        long overflows = p.TcpB.Statistics.ListenOverflows;
        TcpEndpoint first = p.TcpA.Connect(Elsewhere, 8080, out _);
        TcpEndpoint second = p.TcpA.Connect(Elsewhere, 8081, out _);
        p.Pump();
        TcpForwarderRequest request = NextRequest(requests.Reader);
        Assert.Equal(8080, request.LocalEndPoint.Port);
        Assert.Equal(overflows + 1, p.TcpB.Statistics.ListenOverflows);
        Assert.Equal(1, forwarder.Pending);
        SpinWait.SpinUntil(() => Volatile.Read(ref reports) > 0, TimeSpan.FromSeconds(30)); // reported on the thread pool
        Assert.Equal(1, Volatile.Read(ref reports));

        // Once the first is answered, the second's retransmitted SYN is offered.
        request.Ignore();
        p.Clock.Advance(TimeSpan.FromSeconds(1.5));
        p.Pump();
        TcpForwarderRequest retried = NextRequest(requests.Reader);
        Assert.Equal(8081, retried.LocalEndPoint.Port);
        retried.Refuse();
        Assert.Equal(1, Volatile.Read(ref reports)); // once, however often the limit is hit
        Assert.Equal(SocketError.ConnectionRefused, PumpUntilDecided(p, second));
        Assert.Equal(SocketError.IOPending, first.PollConnect(false));
    }

    [Fact]
    public void ClosingTheForwarder_StopsAcceptingOtherAddresses()
    {
        using TcpPair p = PairRoutingElsewhereToB();
        p.B.ForwardTcp(r => r.Refuse()).Dispose();
        Assert.False(p.B.AcceptAnyDestination);
        long addrErrors = p.B.GetStatistics().Ip.InAddrErrors;

        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out _);
        p.Pump();
        Assert.True(p.B.GetStatistics().Ip.InAddrErrors > addrErrors);
        Assert.NotEqual(SocketError.Success, client.PollConnect(false));
    }

    /// <summary>Pumps the links until the connect has an outcome (the handler runs on the thread pool meanwhile).</summary>
    private static SocketError PumpUntilDecided(TcpPair p, TcpEndpoint client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        SocketError state;
        while ((state = client.PollConnect(false)) == SocketError.IOPending && DateTime.UtcNow < deadline)
        {
            p.Pump();
            Thread.Sleep(1);
        }
        return state;
    }
}
