using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// The user-mode forwarder in one process: stack A plays the namespace, stack B (the gateway 10.9.0.2, answering for
/// every destination) carries A's traffic to host sockets. Host services listen on 127.0.0.1 only, reached through
/// the gateway address as pasta maps it.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class HostForwarderTests : IAsyncDisposable
{
    private static readonly IPAddress Gateway = ForwarderPair.Gateway;
    private readonly ForwarderPair _pair = new();
    private readonly NetStack _namespace;
    private readonly HostForwarder _forwarder;

    public HostForwarderTests()
    {
        _namespace = _pair.Namespace;
        _forwarder = _pair.Forwarder;
    }

    public ValueTask DisposeAsync() => _pair.DisposeAsync();

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task A_connection_to_the_gateway_reaches_a_host_loopback_service_and_carries_a_megabyte_both_ways()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Task<Socket> accepting = listener.AcceptAsync(Timeout).AsTask();

        await using TcpConnection client = await _namespace.ConnectTcpAsync(new IPEndPoint(Gateway, port), Timeout);
        using Socket host = await accepting;
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)host.RemoteEndPoint!).Address);

        byte[] up = RandomNumberGenerator.GetBytes(1 << 20);
        byte[] down = RandomNumberGenerator.GetBytes(1 << 20);
        Task send = Task.Run(async () =>
        {
            await client.Stream.WriteAsync(up, Timeout);
            client.ShutdownWrite(); // half-close: the host sees EOF, and can still answer
        });
        byte[] received = await ReadToEnd.FromAsync(host, Timeout);
        await send;
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(received));

        await host.SendAsync(down, SocketFlags.None, Timeout);
        host.Shutdown(SocketShutdown.Send);
        byte[] back = await ReadToEnd.FromAsync(client.Stream, Timeout);
        Assert.Equal(SHA256.HashData(down), SHA256.HashData(back));
        Assert.Equal(1, _forwarder.GetStatistics().TcpConnections);
    }

    [Fact]
    public async Task Forwarder_counters_are_instruments_on_the_gateway_stacks_meter()
    {
        (TcpConnection client, Socket host) = await _pair.ConnectAsync(Timeout);
        await using (client)
        using (host)
        {
            CancellationToken patience = Timeout;
            while (_forwarder.GetStatistics().TcpOpen == 0) // counted once the gateway has the handshake's last ACK
            {
                await Task.Delay(10, patience);
            }
            using var recorder = new MeterRecorder(_pair.GatewayStack.Meter);
            recorder.Collect();
            HostForwarderStatisticsSnapshot snapshot = _forwarder.GetStatistics();
            Assert.Equal(1, snapshot.TcpConnections);
            Assert.Equal(snapshot.TcpConnections, recorder.Values[("netstack.forwarder.tcp.connections", null)]);
            Assert.Equal(snapshot.TcpOpen, recorder.Values[("netstack.forwarder.tcp.open", null)]);
            Assert.Equal("{connection}", recorder.Units["netstack.forwarder.tcp.connections"]);
            Assert.IsType<ObservableUpDownCounter<long>>(recorder.Instruments["netstack.forwarder.tcp.open"]);
            Assert.Equal("By", recorder.Units["netstack.forwarder.bytes.to_host"]);
        }
    }

    [Fact]
    public async Task A_host_that_reads_slowly_gets_everything_when_the_relay_has_to_wait_for_its_socket()
    {
        // A small, full host receive buffer makes the relay's sendmsg complete asynchronously (the path a completion
        // callback once broke, stalling the connection for good).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task<Socket> accepting = listener.AcceptAsync(Timeout).AsTask();
        await using TcpConnection client = await _namespace.ConnectTcpAsync(new IPEndPoint(Gateway, ((IPEndPoint)listener.LocalEndPoint!).Port), Timeout);
        using Socket host = await accepting;
        byte[] up = RandomNumberGenerator.GetBytes(8 << 20);
        Task send = Task.Run(async () =>
        {
            await client.Stream.WriteAsync(up, Timeout);
            client.ShutdownWrite();
        });
        await Task.Delay(200); // let the host's buffer fill before it starts reading
        var received = new MemoryStream();
        byte[] buffer = new byte[1024];
        int n;
        while ((n = await host.ReceiveAsync(buffer, SocketFlags.None, Timeout)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        await send;
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(received.ToArray()));
    }

    [Fact]
    public async Task A_closed_host_port_refuses_the_connect_at_once()
    {
        int closed;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await _namespace.ConnectTcpAsync(new IPEndPoint(Gateway, closed), Timeout));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        Assert.Equal(1, _forwarder.GetStatistics().TcpRefused);
    }

    [Fact]
    public async Task A_reset_by_the_host_resets_the_namespace_side()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task<Socket> accepting = listener.AcceptAsync(Timeout).AsTask();
        await using TcpConnection client = await _namespace.ConnectTcpAsync(new IPEndPoint(Gateway, ((IPEndPoint)listener.LocalEndPoint!).Port), Timeout);
        using (Socket host = await accepting)
        {
            host.LingerState = new LingerOption(true, 0);
        }
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            byte[] buffer = new byte[100];
            while (await client.Stream.ReadAsync(buffer, Timeout) > 0)
            {
            }
        });
    }

    [Fact]
    public async Task Udp_datagrams_up_to_8000_bytes_reach_a_host_service_and_its_replies_come_back()
    {
        using var echo = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)echo.LocalEndPoint!).Port;
        Task echoing = Task.Run(async () =>
        {
            byte[] buffer = new byte[65536];
            for (int i = 0; i < 2; i++)
            {
                SocketReceiveFromResult r = await echo.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), Timeout);
                await echo.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), r.RemoteEndPoint, Timeout);
            }
        });
        using var socket = new UdpSocket(_namespace, AddressFamily.InterNetwork);
        socket.Connect(new IPEndPoint(Gateway, port));
        byte[] buffer = new byte[65536];
        foreach (int size in new[] { 10, 8000 })
        {
            byte[] datagram = RandomNumberGenerator.GetBytes(size);
            await socket.SendAsync(datagram, Timeout);
            UdpReceiveFromResult r = await socket.ReceiveFromAsync(buffer, Timeout);
            Assert.Equal(datagram, buffer.AsSpan(0, r.ReceivedBytes).ToArray());
            Assert.Equal(new IPEndPoint(Gateway, port), r.RemoteEndPoint);
        }
        await echoing;
        Assert.Equal(1, _forwarder.GetStatistics().UdpFlows);
    }

    [Fact]
    public async Task An_idle_forwarded_connection_holds_no_relay_buffer()
    {
        // The figure the README reports: managed memory per idle forwarded connection (both stacks' endpoints, the
        // relay, the host socket objects; the kernel's socket memory is not counted).
        const int Connections = 500;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(Connections);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var clients = new List<TcpConnection>();
        var hosts = new List<Socket>();
        try
        {
            await OpenAsync(10); // warm up: first-use allocations (thread pool, socket engine, pools) are not per connection
            long before = GC.GetTotalMemory(forceFullCollection: true);
            await OpenAsync(Connections);
            long after = GC.GetTotalMemory(forceFullCollection: true);
            long perConnection = (after - before) / Connections;
            Console.WriteLine($"managed memory per idle forwarded connection: {perConnection} bytes ({Connections} connections)");
            Assert.True(perConnection < 32 * 1024, $"{perConnection} bytes per idle connection: a relay buffer is held while idle");
        }
        finally
        {
            foreach (TcpConnection c in clients)
            {
                c.Abort();
            }
            foreach (Socket h in hosts)
            {
                h.Dispose();
            }
        }

        async Task OpenAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Task<Socket> accepting = listener.AcceptAsync(Timeout).AsTask();
                clients.Add(await _namespace.ConnectTcpAsync(new IPEndPoint(Gateway, port), Timeout));
                hosts.Add(await accepting);
            }
        }
    }
}
