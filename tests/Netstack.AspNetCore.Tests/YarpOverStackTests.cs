using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Netstack.AspNetCore.Tests.Infrastructure;
using Netstack.Sockets;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Netstack.AspNetCore.Tests;

/// <summary>
/// A reverse-proxy hop over two stacks: a client on stack B asks YARP (Kestrel on stack A), whose HttpClient connects
/// through stack A to a backend Kestrel on stack B. Every hop is TCP over the in-memory link.
/// <code>
///   HttpClient (B) --h2c--> YARP 10.9.0.2:8080 (A) --h2c, A's connect callback--> backend 10.9.0.1:9090 (B)
/// </code>
/// </summary>
public class YarpOverStackTests
{
    [Fact]
    public async Task Yarp_on_one_stack_proxies_to_a_backend_on_the_other()
    {
        await using var stacks = new StackPair();
        await using WebApplication backend = await TestWeb.StartAsync(stacks.B,
            k => k.Listen(StackPair.AddressB, 9090, o => o.Protocols = HttpProtocols.Http2),
            map: web => web.MapGet("/forwarded", (HttpContext context) => $"{context.Request.Headers["X-Forwarded-For"]} via {context.Connection.RemoteIpAddress}"));
        await using WebApplication proxy = await TestWeb.StartAsync(stacks.A,
            k => k.Listen(StackPair.AddressA, 8080, o => o.Protocols = HttpProtocols.Http2),
            configure: builder => builder.Services.AddReverseProxy()
                .LoadFromMemory([Route()], [Cluster()])
                .ConfigureHttpClient((_, handler) => handler.ConnectCallback = stacks.A.CreateHttpConnectCallback()),
            map: web => web.MapReverseProxy());
        using HttpClient http = TestWeb.Client(stacks.B, HttpVersion.Version20);
        var root = new Uri("http://10.9.0.2:8080");

        // The backend sees the proxy (stack A) as its peer, over HTTP/2, and the client in X-Forwarded-For.
        string whoami = await http.GetStringAsync(new Uri(root, "/backend/whoami"));
        Assert.Matches(@"^HTTP/2 http 10\.9\.0\.2:\d+ -> 10\.9\.0\.1:9090 netstack=True", whoami);
        Assert.Equal("10.9.0.1 via 10.9.0.2", await http.GetStringAsync(new Uri(root, "/backend/forwarded")));
        Assert.Equal("hello over the stack", await http.GetStringAsync(new Uri(root, "/hello"))); // the proxy's own route

        // Many requests at once and large bodies through both hops.
        Task<string>[] many = Enumerable.Range(0, 64).Select(_ => http.GetStringAsync(new Uri(root, "/backend/hello"))).ToArray();
        Assert.All(await Task.WhenAll(many).WaitAsync(TestWeb.Patience), body => Assert.Equal("hello over the stack", body));
        byte[] down = await http.GetByteArrayAsync(new Uri(root, "/backend/bytes/4194304"));
        Assert.Equal(TestWeb.Pattern(4 << 20), down);
        byte[] up = RandomNumberGenerator.GetBytes(4 << 20);
        using HttpResponseMessage hashed = await http.PostAsync(new Uri(root, "/backend/sha256"), new ByteArrayContent(up));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(up)), await hashed.Content.ReadAsStringAsync());

        await proxy.StopAsync();
        await backend.StopAsync();
    }

    private static RouteConfig Route() => new()
    {
        RouteId = "backend",
        ClusterId = "backend",
        Match = new RouteMatch { Path = "/backend/{**rest}" },
        Transforms = [new Dictionary<string, string> { ["PathRemovePrefix"] = "/backend" }],
    };

    private static ClusterConfig Cluster() => new()
    {
        ClusterId = "backend",
        Destinations = new Dictionary<string, DestinationConfig> { ["b"] = new() { Address = "http://10.9.0.1:9090/" } },
        HttpRequest = new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact },
    };
}
