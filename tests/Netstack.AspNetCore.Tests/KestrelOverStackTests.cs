using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Netstack.AspNetCore.Tests.Infrastructure;
using Netstack.Sockets;

namespace Netstack.AspNetCore.Tests;

/// <summary>ASP.NET Core on stack A, HttpClient on stack B, one process, an in-memory link between them.</summary>
public class KestrelOverStackTests
{
    private static readonly IPAddress A = StackPair.AddressA;

    [Theory]
    [InlineData("1.1", HttpProtocols.Http1)]
    [InlineData("2.0", HttpProtocols.Http2)] // h2c: HTTP/2 with prior knowledge on a plain endpoint
    public async Task Serves_many_requests_with_the_bodies_intact(string version, HttpProtocols protocols)
    {
        await using var stacks = new StackPair();
        await using WebApplication app = await TestWeb.StartAsync(stacks.A, k => k.Listen(A, 8080, o => o.Protocols = protocols));
        using HttpClient http = TestWeb.Client(stacks.B, Version.Parse(version));
        var root = new Uri("http://10.9.0.2:8080");

        for (int i = 0; i < 100; i++) // one kept-alive connection (or one HTTP/2 connection), request after request
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri(root, "/hello"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Version.Parse(version), response.Version);
            Assert.Equal("hello over the stack", await response.Content.ReadAsStringAsync());
        }

        // Many at once: HTTP/1.1 opens more connections, HTTP/2 multiplexes streams.
        Task<byte[]>[] concurrent = Enumerable.Range(1, 32).Select(i => http.GetByteArrayAsync(new Uri(root, $"/bytes/{i * 1000}"))).ToArray();
        byte[][] bodies = await Task.WhenAll(concurrent).WaitAsync(TestWeb.Patience);
        for (int i = 0; i < bodies.Length; i++)
        {
            Assert.Equal(TestWeb.Pattern((i + 1) * 1000), bodies[i]);
        }

        // Large bodies both ways: 8 MiB down, 8 MiB up (hashed by the server), 4 MiB echoed.
        byte[] down = await http.GetByteArrayAsync(new Uri(root, "/bytes/8388608"));
        Assert.Equal(SHA256.HashData(TestWeb.Pattern(8 << 20)), SHA256.HashData(down));
        byte[] up = RandomNumberGenerator.GetBytes(8 << 20);
        using (HttpResponseMessage hashed = await http.PostAsync(new Uri(root, "/sha256"), new ByteArrayContent(up)))
        {
            Assert.Equal(Convert.ToHexString(SHA256.HashData(up)), await hashed.Content.ReadAsStringAsync());
        }
        if (protocols == HttpProtocols.Http1)
        {
            // An echo: the body comes in while the answer goes out. (Not over HTTP/2: a large HTTP/2 echo between
            // HttpClient and Kestrel fails on Kestrel's socket transport as well.)
            byte[] echo = RandomNumberGenerator.GetBytes(4 << 20);
            (Version echoVersion, byte[] echoed) = await TestWeb.EchoAsync(http, new Uri(root, "/echo"), echo);
            Assert.Equal(Version.Parse(version), echoVersion);
            Assert.Equal(echo, echoed);
        }
        await app.StopAsync();
    }

    [Fact]
    public async Task Serves_https_with_a_self_signed_certificate_over_http11_and_http2()
    {
        await using var stacks = new StackPair();
        using X509Certificate2 certificate = TestWeb.CreateCertificate(A);
        await using WebApplication app = await TestWeb.StartAsync(stacks.A, k => k.Listen(A, 8443, o =>
        {
            o.Protocols = HttpProtocols.Http1AndHttp2; // ALPN picks
            o.UseHttps(certificate);
        }));
        foreach (string version in new[] { "1.1", "2.0" })
        {
            using HttpClient http = TestWeb.Client(stacks.B, Version.Parse(version), trust: certificate);
            string whoami = await http.GetStringAsync(new Uri("https://10.9.0.2:8443/whoami"));
            Assert.StartsWith($"HTTP/{(version == "1.1" ? "1.1" : "2")} https 10.9.0.1:", whoami, StringComparison.Ordinal);
            byte[] body = RandomNumberGenerator.GetBytes(3 << 20);
            using HttpResponseMessage hashed = await http.PostAsync(new Uri("https://10.9.0.2:8443/sha256"), new ByteArrayContent(body));
            Assert.Equal(Version.Parse(version), hashed.Version);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), await hashed.Content.ReadAsStringAsync());
            Assert.Equal(TestWeb.Pattern(3 << 20), await http.GetByteArrayAsync(new Uri("https://10.9.0.2:8443/bytes/3145728")));
        }

        // A client that does not trust the certificate is refused by TLS, not served.
        using HttpClient untrusting = TestWeb.Client(stacks.B, HttpVersion.Version11);
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetStringAsync(new Uri("https://10.9.0.2:8443/hello")));
        await app.StopAsync();
    }

    [Fact]
    public async Task Echoes_websocket_messages()
    {
        await using var stacks = new StackPair();
        await using WebApplication app = await TestWeb.StartAsync(stacks.A, k => k.Listen(A, 8080));
        using var handler = new SocketsHttpHandler { ConnectCallback = stacks.B.CreateHttpConnectCallback() };
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        using var timeout = new CancellationTokenSource(TestWeb.Patience);
        await socket.ConnectAsync(new Uri("ws://10.9.0.2:8080/ws"), invoker, timeout.Token);

        byte[] received = new byte[1 << 20];
        foreach (int size in new[] { 1, 125, 126, 65_536, 1 << 20 }) // the frame length encodings, and a large message
        {
            byte[] message = RandomNumberGenerator.GetBytes(size);
            await socket.SendAsync(message, System.Net.WebSockets.WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
            int total = 0;
            System.Net.WebSockets.ValueWebSocketReceiveResult r;
            do
            {
                r = await socket.ReceiveAsync(received.AsMemory(total), timeout.Token);
                total += r.Count;
            }
            while (!r.EndOfMessage);
            Assert.Equal(message, received[..total]);
        }
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await app.StopAsync();
    }

    [Fact]
    public async Task The_connection_shows_both_endpoints_and_the_tcp_connection_and_closes()
    {
        await using var stacks = new StackPair();
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebApplication app = await TestWeb.StartAsync(stacks.A, k => k.Listen(A, 8080, o => o.Use(next => async connection =>
        {
            // Connection middleware sees the transport's ConnectionContext itself.
            using CancellationTokenRegistration registration = connection.ConnectionClosed.Register(() =>
                closed.TrySetResult($"{connection.RemoteEndPoint} -> {connection.LocalEndPoint}"));
            await next(connection);
            await closed.Task.WaitAsync(TestWeb.Patience); // fires once the connection is over
        })));
        string whoami;
        using (HttpClient http = TestWeb.Client(stacks.B, HttpVersion.Version11))
        {
            whoami = await http.GetStringAsync(new Uri("http://10.9.0.2:8080/whoami"));
        } // disposing the client closes its connection: the server sees the FIN and ends it
        Assert.Matches(@"^HTTP/1\.1 http 10\.9\.0\.1:\d+ -> 10\.9\.0\.2:8080 netstack=True id=NS[0-9A-F]+$", whoami);
        string endpoints = await closed.Task.WaitAsync(TestWeb.Patience);
        Assert.Matches(@"^10\.9\.0\.1:\d+ -> 10\.9\.0\.2:8080$", endpoints);
        await app.StopAsync();
    }

    [Fact]
    public async Task Abort_resets_the_connection()
    {
        await using var stacks = new StackPair();
        await using WebApplication app = await TestWeb.StartAsync(stacks.A, k => k.Listen(A, 8080),
            map: web => web.MapGet("/abort", (HttpContext context) => context.Abort()));
        using HttpClient http = TestWeb.Client(stacks.B, HttpVersion.Version11);
        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri("http://10.9.0.2:8080/abort")));
        Assert.NotNull(e.InnerException); // the connection ended before a response
        Assert.Equal("hello over the stack", await http.GetStringAsync(new Uri("http://10.9.0.2:8080/hello"))); // the server goes on
        Assert.True(stacks.A.GetStatistics().Tcp.OutRsts > 0, "an aborted connection is reset");
        await app.StopAsync();
    }

    [Fact]
    public async Task Endpoints_off_the_stack_stay_on_kestrels_socket_transport()
    {
        await using var stacks = new StackPair();
        await using WebApplication app = await TestWeb.StartAsync(stacks.A, k =>
        {
            k.Listen(A, 8080);                 // the stack's address: the Netstack transport
            k.Listen(IPAddress.Loopback, 0);   // the host's loopback: sockets
        });
        using HttpClient overStack = TestWeb.Client(stacks.B, HttpVersion.Version11);
        Assert.Equal("hello over the stack", await overStack.GetStringAsync(new Uri("http://10.9.0.2:8080/hello")));

        string loopback = app.Urls.Single(u => u.Contains("127.0.0.1", StringComparison.Ordinal));
        using var overSockets = new HttpClient { Timeout = TestWeb.Patience };
        string whoami = await overSockets.GetStringAsync(new Uri(new Uri(loopback), "/whoami"));
        Assert.Contains("127.0.0.1", whoami, StringComparison.Ordinal);
        Assert.Contains("netstack=False", whoami, StringComparison.Ordinal);
        await app.StopAsync();
    }
}
