using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Udp;

/// <summary>The <see cref="SocketAddress"/> overloads of <see cref="UdpSocket"/>: the same contract as <see cref="Socket"/>'s.</summary>
public class UdpSocketAddressTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Receive_writes_the_sender_as_the_runtime_serializes_it(bool v6)
    {
        using var net = new TwoStacks();
        AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        await using UdpSocket server = net.B.CreateUdpSocket(family);
        server.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 53));
        await using UdpSocket client = net.A.CreateUdpSocket(family);
        client.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 40001));
        var target = new IPEndPoint((v6 ? TwoStacks.B6 : TwoStacks.B4).ToIPAddress(), 53);

        Assert.Equal(3, await client.SendToAsync("abc"u8.ToArray(), SocketFlags.None, target.Serialize()));
        net.Pump();
        // A stale, larger address in the caller's object: every byte of it must be rewritten.
        var from = new SocketAddress(family, SocketAddress.GetMaximumAddressSize(family));
        from.Buffer.Span[2..].Fill(0xEE);
        byte[] buffer = new byte[10];
        Assert.Equal(3, await server.ReceiveFromAsync(buffer, SocketFlags.None, from));
        var expected = new IPEndPoint((v6 ? TwoStacks.A6 : TwoStacks.A4).ToIPAddress(), 40001);
        Assert.Equal(expected.Serialize(), from);
        Assert.Equal(expected, new IPEndPoint(IPAddress.Any, 0).Create(from));
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
    }

    [Fact]
    public async Task A_waiting_receive_is_completed_by_the_arrival_and_truncates_like_recvfrom()
    {
        using var net = new TwoStacks();
        await using UdpSocket server = net.B.CreateUdpSocket(AddressFamily.InterNetwork);
        server.Bind(new IPEndPoint(IPAddress.Any, 7));
        await using UdpSocket client = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        byte[] small = new byte[4];
        ValueTask<int> waiting = server.ReceiveFromAsync(small, SocketFlags.None, from);
        Assert.False(waiting.IsCompleted);

        await client.SendToAsync("0123456789"u8.ToArray(), new IPEndPoint(TwoStacks.B4.ToIPAddress(), 7));
        net.Pump();
        Assert.Equal(4, await waiting);
        Assert.Equal("0123"u8.ToArray(), small);
        Assert.Equal(client.LocalEndPoint!.Port, ((IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from)).Port);
        // The plain overload still works after the SocketAddress one (the shared completion was reset properly).
        ValueTask<UdpReceiveFromResult> next = server.ReceiveFromAsync(new byte[16]);
        await client.SendToAsync("x"u8.ToArray(), new IPEndPoint(TwoStacks.B4.ToIPAddress(), 7));
        net.Pump();
        UdpReceiveFromResult result = await next;
        Assert.Equal(1, result.ReceivedBytes);
        Assert.Equal(new IPEndPoint(TwoStacks.A4.ToIPAddress(), client.LocalEndPoint.Port), result.RemoteEndPoint);
    }

    [Fact]
    public async Task A_waiting_receive_is_cancelled_and_the_socket_receives_again()
    {
        using var net = new TwoStacks();
        await using UdpSocket server = net.B.CreateUdpSocket(AddressFamily.InterNetworkV6);
        server.Bind(new IPEndPoint(IPAddress.IPv6Any, 7));
        using var cancel = new CancellationTokenSource();
        var from = new SocketAddress(AddressFamily.InterNetworkV6);
        ValueTask<int> waiting = server.ReceiveFromAsync(new byte[8], SocketFlags.None, from, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);

        await using UdpSocket client = net.A.CreateUdpSocket(AddressFamily.InterNetworkV6);
        await client.SendToAsync("hi"u8.ToArray(), SocketFlags.None, new IPEndPoint(TwoStacks.B6.ToIPAddress(), 7).Serialize());
        net.Pump();
        Assert.Equal(2, await server.ReceiveFromAsync(new byte[8], SocketFlags.None, from));
        Assert.Equal(TwoStacks.A6.ToIPAddress(), ((IPEndPoint)new IPEndPoint(IPAddress.IPv6Any, 0).Create(from)).Address);
    }

    [Fact]
    public void Wrong_family_small_address_flags_and_coalescing_are_rejected()
    {
        using var net = new TwoStacks();
        using UdpSocket socket = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        socket.Bind(new IPEndPoint(IPAddress.Any, 9));
        Assert.Throws<ArgumentException>(() => { _ = socket.ReceiveFromAsync(new byte[8], SocketFlags.None, new SocketAddress(AddressFamily.InterNetworkV6)).AsTask(); });
        Assert.Throws<ArgumentException>(() => { _ = socket.SendToAsync(new byte[8], SocketFlags.None, new IPEndPoint(IPAddress.IPv6Loopback, 9).Serialize()).AsTask(); });
        var tooSmall = new SocketAddress(AddressFamily.InterNetwork) { Size = 8 };
        Assert.Throws<ArgumentException>(() => { _ = socket.ReceiveFromAsync(new byte[8], SocketFlags.None, tooSmall).AsTask(); });
        Assert.Equal(SocketError.OperationNotSupported,
            Assert.Throws<SocketException>(() => { _ = socket.ReceiveFromAsync(new byte[8], SocketFlags.Peek, new SocketAddress(AddressFamily.InterNetwork)).AsTask(); }).SocketErrorCode);
        socket.ReceiveCoalesced = true;
        Assert.Throws<InvalidOperationException>(() => { _ = socket.ReceiveFromAsync(new byte[8], SocketFlags.None, new SocketAddress(AddressFamily.InterNetwork)).AsTask(); });
    }

    [Fact]
    public async Task A_send_to_an_unreachable_network_fails_like_the_endpoint_overload()
    {
        using var net = new TwoStacks();
        await using UdpSocket socket = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await socket.SendToAsync(new byte[8], SocketFlags.None, new IPEndPoint(NetAddress.Parse("10.99.0.1").ToIPAddress(), 9).Serialize()));
        Assert.Equal(SocketError.NetworkUnreachable, e.SocketErrorCode);
    }
}
