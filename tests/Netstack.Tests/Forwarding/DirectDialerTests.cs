using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Netstack.Forwarding;

namespace Netstack.Tests.Forwarding;

/// <summary><see cref="DirectDialer"/> against listeners on 127.0.0.1 and ::1.</summary>
public sealed class DirectDialerTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    public static TheoryData<string> Loopbacks => new() { "127.0.0.1", "::1" };

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task TcpConnectsWithASocketOfTheDestinationsFamily(string loopback)
    {
        using var servers = new LoopbackEchoServers(IPAddress.Parse(loopback));

        using Socket socket = await new DirectDialer().ConnectTcpAsync(servers.Tcp, Timeout);

        Assert.Equal(servers.Tcp.AddressFamily, socket.AddressFamily);
        Assert.True(socket.NoDelay);
        Assert.Equal(servers.Tcp, socket.RemoteEndPoint);
        await socket.SendAsync("echo"u8.ToArray(), SocketFlags.None);
        byte[] back = new byte[4];
        await Socks5HandshakeTests.ReadExactlyAsync(socket, back);
        Assert.Equal("echo"u8.ToArray(), back);
    }

    [Fact]
    public async Task AnIPv4MappedDestinationGetsAnIPv4Socket()
    {
        using var servers = new LoopbackEchoServers(IPAddress.Loopback);

        using Socket socket = await new DirectDialer { NoDelay = false }
            .ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), servers.Tcp.Port), Timeout);

        Assert.Equal(AddressFamily.InterNetwork, socket.AddressFamily);
        Assert.False(socket.NoDelay);
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task AClosedPortIsRefusedAtOnce(string loopback)
    {
        int port;
        using (var probe = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Parse(loopback), 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var clock = Stopwatch.StartNew();

        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await new DirectDialer().ConnectTcpAsync(new IPEndPoint(IPAddress.Parse(loopback), port), Timeout));

        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AConnectThatGetsNoAnswerTimesOutAfterConnectTimeout()
    {
        // A listener whose accept queue is full: Linux drops further SYNs, so a connect hangs as it would towards
        // a host that never answers, without leaving loopback.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            var dialer = new DirectDialer { ConnectTimeout = TimeSpan.FromMilliseconds(400) };
            SocketException? timedOut = null;
            for (int i = 0; i < 8 && timedOut is null; i++)
            {
                try
                {
                    fillers.Add(await dialer.ConnectTcpAsync(target, Timeout));
                }
                catch (SocketException e)
                {
                    timedOut = e;
                }
            }

            Assert.NotNull(timedOut);
            Assert.Equal(SocketError.TimedOut, timedOut.SocketErrorCode);
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void AZeroTimeoutIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DirectDialer { ConnectTimeout = TimeSpan.Zero });

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task UdpRoundTripsThroughAConnectedSocket(string loopback)
    {
        using var servers = new LoopbackEchoServers(IPAddress.Parse(loopback));

        await using IOutboundUdpFlow flow = await new DirectDialer().OpenUdpAsync(servers.Udp, Timeout);
        byte[] big = new byte[8000];
        Random.Shared.NextBytes(big);

        await flow.SendAsync("hello"u8.ToArray(), Timeout);
        byte[] buffer = new byte[9000];
        int n = await flow.ReceiveAsync(buffer, Timeout);
        Assert.Equal("hello"u8.ToArray(), buffer[..n]);

        await flow.SendAsync(big, Timeout);
        n = await flow.ReceiveAsync(buffer, Timeout);
        Assert.Equal(big, buffer[..n]);

        // A datagram longer than the buffer is truncated, as recv does (not an error).
        await flow.SendAsync(big, Timeout);
        n = await flow.ReceiveAsync(buffer.AsMemory(0, 100), Timeout);
        Assert.Equal(big[..100], buffer[..n]);
    }
}
