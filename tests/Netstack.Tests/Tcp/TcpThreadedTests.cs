using System.Net;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Real concurrency: dispatcher threads on both link ends (or deliveries on the writers' threads), the system
/// clock, and several connections echoing at once through the async API. Nothing here measures time; the token
/// is a safety net so a deadlock fails the test instead of hanging it.
/// </summary>
public class TcpThreadedTests
{
    [Theory]
    [InlineData(ChannelDispatchMode.Thread)]
    [InlineData(ChannelDispatchMode.Inline)]
    public async Task ConcurrentEchoes_ArriveInOrder(ChannelDispatchMode mode)
    {
        var pool = new PacketPool();
        var links = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = mode });
        using var a = new NetStack(new NetStackOptions { Pool = pool, RandomSeed = 1 });
        using var b = new NetStack(new NetStackOptions { Pool = pool, RandomSeed = 2 });
        a.AddInterface(links.A, "10.9.0.1/24");
        b.AddInterface(links.B, "10.9.0.2/24");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var endpoint = new IPEndPoint(IPAddress.Parse("10.9.0.2"), 7);
        TcpConnectionListener listener = b.ListenTcp(endpoint);
        const int connections = 4;
        Task server = Task.Run(async () =>
        {
            var echoes = new List<Task>();
            for (int i = 0; i < connections; i++)
            {
                TcpConnection c = await listener.AcceptAsync(cts.Token);
                echoes.Add(Task.Run(async () =>
                {
                    await using (c)
                    {
                        var buffer = new byte[16 * 1024];
                        int n;
                        while ((n = await c.Stream.ReadAsync(buffer, cts.Token)) > 0)
                        {
                            await c.Stream.WriteAsync(buffer.AsMemory(0, n), cts.Token);
                        }
                    }
                }));
            }
            await Task.WhenAll(echoes);
        });
        var clients = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            int seed = i;
            clients[i] = Task.Run(async () =>
            {
                byte[] data = new byte[512 * 1024];
                new Random(seed).NextBytes(data);
                await using TcpConnection c = await a.ConnectTcpAsync(endpoint, cts.Token);
                Task write = Task.Run(async () =>
                {
                    for (int off = 0; off < data.Length; off += 10_000)
                    {
                        await c.Stream.WriteAsync(data.AsMemory(off, Math.Min(10_000, data.Length - off)), cts.Token);
                    }
                    c.ShutdownWrite();
                });
                var got = new MemoryStream();
                await c.Stream.CopyToAsync(got, cts.Token);
                await write;
                Assert.True(data.AsSpan().SequenceEqual(got.ToArray()));
            });
        }
        await Task.WhenAll(clients);
        await server;
        listener.Dispose();
        Assert.Equal(connections, a.GetTcp().Statistics.ActiveOpens);
        Assert.Equal(connections, b.GetTcp().Statistics.PassiveOpens);
        // The link neither loses nor reorders, and each connection's segments leave in the order they were made
        // even when an application thread and a delivering thread send for it at once: nothing arrives early.
        Assert.Equal(0, a.GetTcp().Statistics.TCPOFOQueue);
        Assert.Equal(0, b.GetTcp().Statistics.TCPOFOQueue);
        links.Dispose();
    }
}

public class TcpHttpTests
{
    [Fact]
    public async Task HttpClient_OverTheStack()
    {
        var pool = new PacketPool();
        var links = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Thread });
        using var a = new NetStack(new NetStackOptions { Pool = pool, RandomSeed = 1 });
        using var b = new NetStack(new NetStackOptions { Pool = pool, RandomSeed = 2 });
        a.AddInterface(links.A, "10.9.0.1/24");
        b.AddInterface(links.B, "10.9.0.2/24");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        TcpConnectionListener listener = b.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        Task server = Task.Run(async () =>
        {
            await using TcpConnection c = await listener.AcceptAsync(cts.Token);
            var request = new MemoryStream();
            var buffer = new byte[4096];
            while (!System.Text.Encoding.ASCII.GetString(request.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await c.Stream.ReadAsync(buffer, cts.Token);
                Assert.True(n > 0);
                request.Write(buffer, 0, n);
            }
            Assert.StartsWith("GET /hello HTTP/1.1", System.Text.Encoding.ASCII.GetString(request.ToArray()), StringComparison.Ordinal);
            await c.Stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nworld"u8.ToArray(), cts.Token);
        });
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = a.CreateHttpConnectCallback() });
        string body = await http.GetStringAsync(new Uri("http://10.9.0.2/hello"), cts.Token);
        Assert.Equal("world", body);
        await server;
        listener.Dispose();
        links.Dispose();
    }
}
