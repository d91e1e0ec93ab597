using System.Net;
using System.Net.Sockets;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Udp;

public class UdpTests
{
    private static IPEndPoint Endpoint(NetAddress address, int port) => new(address.ToIPAddress(), port);

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 1472)]
    [InlineData(false, 60000)]
    [InlineData(true, 1)]
    [InlineData(true, 1452)]
    [InlineData(true, 60000)]
    public async Task Echo_round_trip(bool v6, int size)
    {
        using var net = new TwoStacks();
        AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        await using UdpSocket server = net.B.CreateUdpSocket(family);
        server.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 7));
        await using UdpSocket client = net.A.CreateUdpSocket(family);
        byte[] data = new byte[size];
        new Random(size).NextBytes(data);
        Assert.Equal(size, await client.SendToAsync(data, Endpoint(v6 ? TwoStacks.B6 : TwoStacks.B4, 7)));
        net.Pump();
        byte[] buffer = new byte[65536];
        UdpReceiveFromResult got = await server.ReceiveFromAsync(buffer);
        Assert.Equal(size, got.ReceivedBytes);
        Assert.True(buffer.AsSpan(0, size).SequenceEqual(data));
        Assert.Equal(client.LocalEndPoint!.Port, got.RemoteEndPoint.Port);
        Assert.Equal((v6 ? TwoStacks.A6 : TwoStacks.A4).ToIPAddress(), got.RemoteEndPoint.Address);
        Assert.InRange(client.LocalEndPoint.Port, PortManager.DefaultFirst, PortManager.DefaultLast);

        // Reply while the client is already waiting: completes the pending receive.
        ValueTask<UdpReceiveFromResult> pending = client.ReceiveFromAsync(new byte[65536]);
        Assert.False(pending.IsCompleted);
        await server.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), got.RemoteEndPoint);
        net.Pump();
        UdpReceiveFromResult echoed = await pending;
        Assert.Equal(size, echoed.ReceivedBytes);
        Assert.Equal(1, net.A.GetStatistics().Udp.InDatagrams);
        Assert.Equal(1, net.B.GetStatistics().Udp.InDatagrams);
        if (size > 1500)
        {
            Assert.Equal(1, v6 ? net.B.GetStatistics().Ip6.ReasmOKs : net.B.GetStatistics().Ip.ReasmOKs);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Port_unreachable_reaches_the_sender(bool v6)
    {
        using var net = new TwoStacks();
        await using UdpSocket client = net.A.CreateUdpSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        client.Connect(Endpoint(v6 ? TwoStacks.B6 : TwoStacks.B4, 9999));
        await client.SendAsync(new byte[10]);
        net.Pump();
        Assert.Equal(1, net.B.GetStatistics().Udp.NoPorts);
        IcmpStatisticsSnapshot sent = v6 ? net.B.GetStatistics().Icmp6 : net.B.GetStatistics().Icmp;
        IcmpStatisticsSnapshot received = v6 ? net.A.GetStatistics().Icmp6 : net.A.GetStatistics().Icmp;
        Assert.Equal(1, sent.OutDestUnreachs);
        Assert.Equal(1, received.InDestUnreachs);
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await client.ReceiveFromAsync(new byte[10]));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task Pending_receive_learns_of_port_unreachable()
    {
        using var net = new TwoStacks();
        await using UdpSocket client = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        client.Connect(Endpoint(TwoStacks.B4, 9999));
        ValueTask<UdpReceiveFromResult> pending = client.ReceiveFromAsync(new byte[10]);
        await client.SendAsync(new byte[10]);
        net.Pump();
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await pending);
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task Bind_conflicts_and_ephemeral_ports()
    {
        using var net = new TwoStacks();
        await using UdpSocket a = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        await using UdpSocket b = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        await using UdpSocket c = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        a.Bind(new IPEndPoint(IPAddress.Any, 5000));
        SocketException e = Assert.Throws<SocketException>(() => b.Bind(new IPEndPoint(TwoStacks.A4.ToIPAddress(), 5000)));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        e = Assert.Throws<SocketException>(() => b.Bind(new IPEndPoint(IPAddress.Parse("10.9.0.77"), 5001)));
        Assert.Equal(SocketError.AddressNotAvailable, e.SocketErrorCode);
        b.Bind(new IPEndPoint(IPAddress.Any, 0));
        c.Bind(new IPEndPoint(IPAddress.Any, 0));
        Assert.NotEqual(b.LocalEndPoint!.Port, c.LocalEndPoint!.Port);
        await a.DisposeAsync();
        await using UdpSocket d = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        d.Bind(new IPEndPoint(IPAddress.Any, 5000)); // released by dispose
    }

    [Fact]
    public async Task Receive_cancellation_and_overlap()
    {
        using var net = new TwoStacks();
        await using UdpSocket s = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        s.Bind(new IPEndPoint(IPAddress.Any, 6000));
        using var cts = new CancellationTokenSource();
        ValueTask<UdpReceiveFromResult> pending = s.ReceiveFromAsync(new byte[10], cts.Token);
        Assert.Throws<InvalidOperationException>(() => { s.ReceiveFromAsync(new byte[10]).AsTask().Dispose(); });
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        // The socket is usable again after a cancelled receive.
        await using UdpSocket sender = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        await sender.SendToAsync(new byte[3], Endpoint(TwoStacks.A4, 6000));
        net.Pump();
        Assert.Equal(3, (await s.ReceiveFromAsync(new byte[10])).ReceivedBytes);
    }

    [Fact]
    public async Task Full_receive_queue_drops_and_counts()
    {
        using var net = new TwoStacks();
        await using UdpSocket s = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        s.ReceiveBufferSize = 3 * (2048 + Netstack.Buffers.PacketPool.DefaultHeadroom); // three 2 KiB blocks
        s.Bind(new IPEndPoint(IPAddress.Any, 6001));
        await using UdpSocket sender = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        for (int i = 0; i < 5; i++)
        {
            await sender.SendToAsync(new byte[1000], Endpoint(TwoStacks.B4, 6001));
        }
        net.Pump();
        Assert.Equal(3, s.Available);
        Assert.Equal(2, net.B.GetStatistics().Udp.RcvbufErrors);
        Assert.Equal(2, net.B.GetStatistics().Udp.InErrors);
    }

    [Fact]
    public async Task Bad_checksum_is_dropped_and_counted()
    {
        using var net = new TwoStacks(tap: true);
        net.TapA!.Filter = p => { p.Span[^1] ^= 0xFF; return true; };
        await using UdpSocket s = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        s.Bind(new IPEndPoint(IPAddress.Any, 6002));
        await using UdpSocket sender = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        await sender.SendToAsync(new byte[] { 1, 2, 3 }, Endpoint(TwoStacks.B4, 6002));
        net.Pump();
        Assert.Equal(1, net.B.GetStatistics().Udp.InCsumErrors);
        Assert.Equal(0, s.Available);
    }

    [Fact]
    public async Task Connected_socket_receives_only_from_its_peer()
    {
        using var net = new TwoStacks();
        await using UdpSocket peer1 = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        await using UdpSocket peer2 = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        peer1.Bind(new IPEndPoint(IPAddress.Any, 7101));
        peer2.Bind(new IPEndPoint(IPAddress.Any, 7102));
        await using UdpSocket connected = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        connected.Bind(new IPEndPoint(TwoStacks.B4.ToIPAddress(), 7000));
        connected.Connect(Endpoint(TwoStacks.A4, 7101));
        await peer1.SendToAsync(new byte[1], Endpoint(TwoStacks.B4, 7000));
        await peer2.SendToAsync(new byte[2], Endpoint(TwoStacks.B4, 7000));
        net.Pump();
        Assert.Equal(1, connected.Available);
        Assert.Equal(1, net.B.GetStatistics().Udp.NoPorts);
        UdpReceiveFromResult r = await connected.ReceiveFromAsync(new byte[10]);
        Assert.Equal((1, 7101), (r.ReceivedBytes, r.RemoteEndPoint.Port));
    }

    [Fact]
    public async Task Echo_over_thread_dispatch()
    {
        var pool = new Netstack.Buffers.PacketPool();
        ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Thread });
        using var a = new NetStack(new NetStackOptions { Pool = pool });
        using var b = new NetStack(new NetStackOptions { Pool = pool });
        a.AddInterface(pair.A, "10.9.0.1/24");
        b.AddInterface(pair.B, "10.9.0.2/24");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using (UdpSocket server = b.CreateUdpSocket(AddressFamily.InterNetwork))
        await using (UdpSocket client = a.CreateUdpSocket(AddressFamily.InterNetwork))
        {
            server.Bind(new IPEndPoint(IPAddress.Any, 7));
            Task echo = Task.Run(async () =>
            {
                byte[] buf = new byte[65536];
                for (int i = 0; i < 100; i++)
                {
                    UdpReceiveFromResult r = await server.ReceiveFromAsync(buf, cts.Token);
                    await server.SendToAsync(buf.AsMemory(0, r.ReceivedBytes), r.RemoteEndPoint, cts.Token);
                }
            });
            byte[] reply = new byte[65536];
            for (int i = 0; i < 100; i++)
            {
                int size = 1 + (i * 997 % 20000);
                await client.SendToAsync(new byte[size], new IPEndPoint(IPAddress.Parse("10.9.0.2"), 7), cts.Token);
                Assert.Equal(size, (await client.ReceiveFromAsync(reply, cts.Token)).ReceivedBytes);
            }
            await echo;
        }
        pair.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }
}
