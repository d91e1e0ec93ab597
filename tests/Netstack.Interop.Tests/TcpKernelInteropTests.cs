using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Netstack.Buffers;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;

namespace Netstack.Interop.Tests;

/// <summary>Our TCP against the Linux kernel's, through a TUN device in a private namespace.</summary>
public class TcpKernelInteropTests
{
    // Safety nets only: nothing asserts how long anything takes.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static NetStack CreateStack(NetnsFixture ns, PacketPool pool)
    {
        var stack = new NetStack(new NetStackOptions { Pool = pool });
        stack.AddInterface(ns.Link, (InterfaceAddress)$"{ns.StackV4}/{NetnsFixture.PrefixLengthV4}", (InterfaceAddress)$"{ns.StackV6}/{NetnsFixture.PrefixLengthV6}");
        return stack;
    }

    [RequiresRootAndTunTheory("python3")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Kernel_client_streams_through_our_echo_server(bool ipv6)
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        using (NetStack stack = CreateStack(ns, pool))
        {
            using var cts = new CancellationTokenSource(Patience);
            TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, 7007));
            Task server = StackEchoServer.ServeAsync(listener, cts.Token);
            ProcessRunner.Result r = await Task.Run(() => KernelPeer.TcpEcho(ns, ipv6 ? ns.StackV6 : ns.StackV4, 7007, 8 << 20));
            Assert.True(r.ExitCode == 0, r.ToString());
            listener.Dispose();
            await cts.CancelAsync();
            await server;
            TcpStatistics s = stack.GetTcp().Statistics;
            Assert.Equal(1, s.PassiveOpens);
            Assert.Equal(0, s.InCsumErrors);
        }
        ns.Link.Dispose();
    }

    [RequiresRootAndTunFact("python3")]
    public void Kernel_client_is_refused_on_a_closed_port()
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        using NetStack stack = CreateStack(ns, pool);
        _ = stack.GetTcp();
        ProcessRunner.Result r = KernelPeer.TcpConnect(ns, ns.StackV4, 7008);
        Assert.Equal("refused", r.Output.Trim());
    }

    [RequiresRootAndTunFact("python3")]
    public async Task We_connect_to_a_kernel_server_and_exchange_data_both_ways()
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        using NetStack stack = CreateStack(ns, pool);
        // A kernel echo server in the namespace (python), ready once it prints its line.
        const string script = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], 7009)); s.listen(1)
            print("ready", flush=True)
            s.settimeout(60)
            c, _ = s.accept(); c.settimeout(60)
            while True:
                d = c.recv(1 << 20)
                if not d: break
                c.sendall(d)
            c.close()
            """;
        Process kernel = ns.Start("python3", "-c", script, ns.KernelV4.ToString());
        Assert.Equal("ready", (await kernel.StandardOutput.ReadLineAsync())?.Trim());
        using var cts = new CancellationTokenSource(Patience);
        await using TcpConnection c = await stack.ConnectTcpAsync(new IPEndPoint(ns.KernelV4, 7009), cts.Token);
        byte[] data = RandomNumberGenerator.GetBytes(4 << 20);
        Task write = Task.Run(async () =>
        {
            await c.Stream.WriteAsync(data, cts.Token);
            c.ShutdownWrite();
        });
        var received = new MemoryStream();
        await c.Stream.CopyToAsync(received, cts.Token);
        await write;
        Assert.Equal(data.Length, received.Length);
        Assert.True(data.AsSpan().SequenceEqual(received.ToArray()));
        TcpInfo info = c.GetInfo();
        Assert.True(info.Sack && info.Timestamps && info.SendWindowScale > 0, info.ToString());
        Assert.True(kernel.WaitForExit(Patience));
        Assert.Equal(0, kernel.ExitCode);
    }
}

public class TcpCurlInteropTests
{
    [RequiresRootAndTunFact("curl")]
    public async Task Curl_in_the_namespace_downloads_from_our_http_responder()
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        using var stack = new NetStack(new NetStackOptions { Pool = pool });
        stack.AddInterface(ns.Link, (InterfaceAddress)$"{ns.StackV4}/{NetnsFixture.PrefixLengthV4}");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(IPAddress.Any, 8080));
        byte[] body = RandomNumberGenerator.GetBytes(3 << 20);
        Task server = Task.Run(async () =>
        {
            await using TcpConnection c = await listener.AcceptAsync(cts.Token);
            var buffer = new byte[4096];
            var request = new MemoryStream();
            while (!System.Text.Encoding.ASCII.GetString(request.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await c.Stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    return;
                }
                request.Write(buffer, 0, n);
            }
            await c.Stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), cts.Token);
            await c.Stream.WriteAsync(body, cts.Token);
        });
        string file = Path.Combine(Path.GetTempPath(), $"nst-curl-{Environment.ProcessId}.bin");
        try
        {
            ProcessRunner.Result r = await Task.Run(() => ns.Exec(TimeSpan.FromMinutes(2), null, "curl", "-sS", "--max-time", "60", "-o", file, $"http://{ns.StackV4}:8080/"));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.True(body.AsSpan().SequenceEqual(File.ReadAllBytes(file)));
        }
        finally
        {
            File.Delete(file);
        }
        await server;
        listener.Dispose();
    }
}
