using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.AspNetCore.Tests.Infrastructure;

/// <summary>The test app (a minimal API) and the helpers that serve it on a stack and ask it from another.</summary>
public static class TestWeb
{
    /// <summary>A safety net for hung tests; healthy runs take a fraction of it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Starts a web app with <c>UseNetstack(stack)</c> whose Kestrel endpoints <paramref name="listen"/> sets;
    /// <paramref name="configure"/> adds services (YARP) before it is built, <paramref name="map"/> more routes.
    /// </summary>
    public static async Task<WebApplication> StartAsync(NetStack stack, Action<KestrelServerOptions> listen,
        Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        // No configuration file watchers: many apps start in one test run.
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseNetstack(stack).ConfigureKestrel(listen);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.UseWebSockets();
        MapTestRoutes(app);
        map?.Invoke(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// /hello; /bytes/{n}: n bytes of <see cref="Pattern"/>; POST /echo: the body back; POST /sha256: the body's hash
    /// in hex; /whoami: protocol, scheme, both endpoints and whether the Netstack feature is there; /ws: a WebSocket echo.
    /// </summary>
    private static void MapTestRoutes(WebApplication app)
    {
        app.MapGet("/hello", () => "hello over the stack");
        app.MapGet("/bytes/{n:int}", async (int n, HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = n;
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < n; sent += chunk.Length)
            {
                int count = Math.Min(chunk.Length, n - sent);
                Pattern(sent, chunk.AsSpan(0, count));
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, count), context.RequestAborted);
            }
        });
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        app.MapPost("/sha256", async (HttpContext context) =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }
            return Convert.ToHexString(hash.GetHashAndReset());
        });
        app.MapGet("/whoami", (HttpContext context) =>
        {
            ConnectionInfo c = context.Connection;
            bool tcp = context.Features.Get<INetstackConnectionFeature>()?.Connection is TcpConnection;
            return $"{context.Request.Protocol} {context.Request.Scheme} {c.RemoteIpAddress}:{c.RemotePort} -> {c.LocalIpAddress}:{c.LocalPort} netstack={tcp} id={c.Id}";
        });
        app.Map("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
            byte[] buffer = new byte[256 * 1024];
            while (true)
            {
                System.Net.WebSockets.ValueWebSocketReceiveResult r = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (r.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, context.RequestAborted);
            }
        });
    }

    /// <summary>The bytes /bytes/{n} sends: byte i of the body is (i * 7 + i / 251) mod 256, so shifts and repeats show.</summary>
    public static void Pattern(long offset, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            long at = offset + i;
            destination[i] = (byte)(at * 7 + at / 251);
        }
    }

    public static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        Pattern(0, bytes);
        return bytes;
    }

    /// <summary>An HttpClient whose connections go through <paramref name="stack"/>, at <paramref name="version"/> exactly.</summary>
    public static HttpClient Client(NetStack stack, Version version, X509Certificate2? trust = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = stack.CreateHttpConnectCallback(),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        if (trust is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(certificate, errors, trust);
        }
        return new HttpClient(handler)
        {
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Patience,
        };
    }

    /// <summary>Accepts exactly <paramref name="trust"/>, self-signed: the chain is untrusted, nothing else may be wrong.</summary>
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 trust) =>
        certificate is not null
        && certificate.GetCertHashString() == trust.Thumbprint
        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

    /// <summary>A self-signed server certificate for <paramref name="address"/> (subject alternative name), with its key.</summary>
    public static X509Certificate2 CreateCertificate(IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=netstack test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // serverAuth
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the key is usable by SslStream on every platform (an ephemeral key may not be).
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>
    /// POSTs <paramref name="body"/> to /echo and reads the answer while still sending: HttpClient's default (buffer the
    /// response inside SendAsync) deadlocks an HTTP/2 echo larger than the flow-control windows on any transport.
    /// </summary>
    public static async Task<(Version Version, byte[] Body)> EchoAsync(HttpClient http, Uri uri, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return (response.Version, await response.Content.ReadAsByteArrayAsync());
    }
}
