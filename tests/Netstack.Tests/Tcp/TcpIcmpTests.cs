using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using static Netstack.Wire.TcpFlags;

namespace Netstack.Tests.Tcp;

public class TcpIcmpTests
{
    private static TransportErrorInfo Error(TransportErrorKind kind, uint seq, int mtu = 0, ushort localPort = TcpTestContext.LocalPort) =>
        new(kind, 0, 0, TcpTestContext.Local, TcpTestContext.Remote, 6, localPort, TcpTestContext.RemotePort, mtu, seq);

    [Fact]
    public void PortUnreachable_DuringConnect_IsRefused()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        t.Expect(Syn, seq: 1000);
        ((ITransportHandler)t.Tcp).HandleError(Error(TransportErrorKind.PortUnreachable, 999)); // wrong quoted seq: ignored
        Assert.Equal(TcpConnectionState.SynSent, ep.State);
        ((ITransportHandler)t.Tcp).HandleError(Error(TransportErrorKind.PortUnreachable, 1000));
        Assert.Equal(SocketError.ConnectionRefused, ep.PollConnect(false));
    }

    [Fact]
    public void HostUnreachable_DuringConnect_FailsAtOnce_AsLinuxDoes()
    {
        // RFC 5461 §4 lets a connection attempt abort on a soft error; Linux's tcp_v4_err does in SYN-SENT.
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.Connect();
        t.Expect(Syn, seq: 1000);
        ((ITransportHandler)t.Tcp).HandleError(Error(TransportErrorKind.DestinationUnreachable, 999)); // wrong quoted seq: ignored
        Assert.Equal(TcpConnectionState.SynSent, ep.State);
        ((ITransportHandler)t.Tcp).HandleError(Error(TransportErrorKind.DestinationUnreachable, 1000));
        Assert.Equal(SocketError.HostUnreachable, ep.PollConnect(false));
    }

    [Fact]
    public void HostUnreachable_OnAnEstablishedConnection_IsSoft()
    {
        // RFC 1122 §4.2.3.9: a host unreachable must not abort a synchronized connection.
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        ep.Send(new byte[100], false, out _);
        t.Expect(Ack | Psh, seq: 1001);
        ((ITransportHandler)t.Tcp).HandleError(Error(TransportErrorKind.DestinationUnreachable, 1001));
        Assert.Equal(TcpConnectionState.Established, ep.State);
    }

    [Fact]
    public void PacketTooBig_LowersMssAndResends()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = new byte[2920];
        new Random(1).NextBytes(data);
        ep.Send(data, false, out _);
        t.Expect(Ack, seq: 1001, payload: data[..1460]);
        t.Expect(Ack | Psh, seq: 2461);
        ((ITransportHandler)t.Tcp).HandleError(Error(TransportErrorKind.PacketTooBig, 1001, mtu: 1280));
        t.Expect(Ack, seq: 1001, payload: data[..1240]);
        Assert.Equal(1240, ep.GetInfo().SendMss);
        t.Send(Ack, 5001, 2241);
        t.Expect(Ack, seq: 2241, payload: data[1240..2480]);
    }
}
