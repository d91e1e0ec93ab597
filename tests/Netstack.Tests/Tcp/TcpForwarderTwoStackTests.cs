using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;
using TcpListener = Netstack.Sockets.TcpListener;

namespace Netstack.Tests.Tcp;

/// <summary>A forwarder stack terminates connections to addresses it does not own, the way user-mode networking needs.</summary>
public class TcpForwarderTwoStackTests
{
    private static readonly NetAddress Elsewhere = NetAddress.Parse("10.77.1.5");

    [Fact]
    public void Forwarder_TerminatesConnectionsToAnyAddress_AndAnswersFromIt()
    {
        using var p = new TcpPair();
        Assert.True(p.A.TryFindRoute(TcpPair.B4, out RouteInfo toB));
        p.A.AddRoute(IPNetwork.Parse("10.77.0.0/16"), toB.InterfaceId);
        FourTuple? offered = null;
        using TcpListener forwarder = p.B.ForwardTcp(t =>
        {
            offered = t;
            return TcpForwarderDecision.Accept;
        });
        Assert.True(p.B.AcceptAnyDestination);

        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        TcpEndpoint? server = null;
        for (int i = 0; i < 100 && server is null; i++)
        {
            p.Pump();
            server = forwarder.Socket.TryAccept(false, out _);
            if (server is null)
            {
                p.Clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }
        Assert.NotNull(server);
        Assert.Equal(SocketError.Success, client.PollConnect(false));
        Assert.Equal(new FourTuple(Elsewhere, 8080, TcpPair.A4, offered!.Value.RemotePort), offered.Value);

        byte[] data = new byte[100_000];
        new Random(3).NextBytes(data);
        Assert.Equal(data, p.Transfer(client, server, data));
        Assert.Equal(data, p.Transfer(server, client, data));
    }

    [Fact]
    public void ClosingTheForwarder_StopsAcceptingOtherAddresses()
    {
        using var p = new TcpPair();
        Assert.True(p.A.TryFindRoute(TcpPair.B4, out RouteInfo toB));
        p.A.AddRoute(IPNetwork.Parse("10.77.0.0/16"), toB.InterfaceId);
        p.B.ForwardTcp(_ => TcpForwarderDecision.Accept).Dispose();
        Assert.False(p.B.AcceptAnyDestination);
        long addrErrors = p.B.Statistics.Ip.InAddrErrors;

        TcpEndpoint client = p.TcpA.Connect(Elsewhere, 8080, out _);
        p.Pump();
        Assert.True(p.B.Statistics.Ip.InAddrErrors > addrErrors);
        Assert.NotEqual(SocketError.Success, client.PollConnect(false));
    }
}
