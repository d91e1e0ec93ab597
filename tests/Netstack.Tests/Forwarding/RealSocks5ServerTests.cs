using System.Net;
using System.Net.Sockets;
using Netstack.Forwarding;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// <see cref="Socks5Dialer"/> through real SOCKS5 servers on 127.0.0.1: microsocks (CONNECT and RFC 1929; it
/// answers UDP ASSOCIATE with 0x07, command not supported) and dante-server (CONNECT and UDP ASSOCIATE).
/// </summary>
public sealed class RealSocks5ServerTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [RequiresToolFact("microsocks")]
    public async Task MicrosocksCarriesConnectToIPv4AndIPv6Destinations()
    {
        using var v4 = new LoopbackEchoServers(IPAddress.Loopback);
        using var v6 = new LoopbackEchoServers(IPAddress.IPv6Loopback);
        using Socks5ServerProcess server = Socks5ServerProcess.StartMicrosocks();
        var dialer = new Socks5Dialer(server.EndPoint);

        await EchoAsync(dialer, v4.Tcp);
        await EchoAsync(dialer, v6.Tcp);
    }

    [RequiresToolFact("microsocks")]
    public async Task MicrosocksReportsAClosedPortAsConnectionRefused()
    {
        using Socks5ServerProcess server = Socks5ServerProcess.StartMicrosocks();
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(server.EndPoint).ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback, port), Timeout));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [RequiresToolFact("microsocks")]
    public async Task MicrosocksWithUsernamePassword()
    {
        using var echo = new LoopbackEchoServers(IPAddress.Loopback);
        using Socks5ServerProcess server = Socks5ServerProcess.StartMicrosocks("alice", "s3cret");

        await EchoAsync(new Socks5Dialer(server.EndPoint, new NetworkCredential("alice", "s3cret")), echo.Tcp);

        SocketException wrong = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(server.EndPoint, new NetworkCredential("alice", "wrong")).ConnectTcpAsync(echo.Tcp, Timeout));
        Assert.Equal(SocketError.AccessDenied, wrong.SocketErrorCode);
        SocketException none = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(server.EndPoint).ConnectTcpAsync(echo.Tcp, Timeout));
        Assert.Equal(SocketError.AccessDenied, none.SocketErrorCode);
    }

    [RequiresToolFact("microsocks")]
    public async Task MicrosocksHasNoUdpAssociate()
    {
        using Socks5ServerProcess server = Socks5ServerProcess.StartMicrosocks();

        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(server.EndPoint).OpenUdpAsync(new IPEndPoint(IPAddress.Loopback, 53), Timeout));
        Assert.Equal(SocketError.OperationNotSupported, e.SocketErrorCode);
    }

    [RequiresToolFact("danted")]
    public async Task DanteCarriesConnectAndUdpAssociateAndTheFlowEndsWithTheServer()
    {
        using var echo = new LoopbackEchoServers(IPAddress.Loopback);
        Socks5ServerProcess server = Socks5ServerProcess.StartDante();
        try
        {
            var dialer = new Socks5Dialer(server.EndPoint);
            await EchoAsync(dialer, echo.Tcp);

            await using IOutboundUdpFlow flow = await dialer.OpenUdpAsync(echo.Udp, Timeout);
            byte[] buffer = new byte[9000];
            byte[] big = new byte[8000];
            Random.Shared.NextBytes(big);
            foreach (byte[] datagram in new[] { "ping"u8.ToArray(), big })
            {
                await flow.SendAsync(datagram, Timeout);
                int n = await flow.ReceiveAsync(buffer, Timeout);
                Assert.Equal(datagram, buffer[..n]);
            }

            // Killing the server closes the control connection, which ends the association and the flow (§7).
            ValueTask<int> pending = flow.ReceiveAsync(buffer, Timeout);
            server.Dispose();
            SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await pending);
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        }
        finally
        {
            server.Dispose();
        }
    }

    private static async Task EchoAsync(Socks5Dialer dialer, IPEndPoint destination)
    {
        using Socket socket = await dialer.ConnectTcpAsync(destination, Timeout);
        byte[] data = new byte[100_000];
        Random.Shared.NextBytes(data);
        Task send = Task.Run(async () => await socket.SendAsync(data, SocketFlags.None));
        byte[] back = new byte[data.Length];
        await Socks5HandshakeTests.ReadExactlyAsync(socket, back);
        await send;
        Assert.Equal(data, back);
        // Our FIN reaches the echo server, whose close comes back as EOF. (Only after all data is back: microsocks
        // does not relay a half-close, it closes both directions at the first EOF on either side.)
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await socket.ReceiveAsync(new byte[1], SocketFlags.None, Timeout));
    }
}
