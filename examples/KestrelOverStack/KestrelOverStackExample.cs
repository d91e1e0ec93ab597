using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Netstack.AspNetCore;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Examples.KestrelOverStack;

/// <summary>
/// ASP.NET Core served over a userspace stack: <c>UseNetstack</c> adds the stack as a Kestrel transport, Kestrel
/// listens on the stack's address, and an <see cref="HttpClient"/> on a second stack (over an in-memory link) asks.
/// </summary>
public static class KestrelOverStackExample
{
    /// <summary>The text the app answers on <c>/</c> and <c>/hello</c>.</summary>
    public const string Greeting = "hello from Kestrel over netstack";

    public static async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var serverStack = new NetStack();
        await using var clientStack = new NetStack();
        await using ChannelLinkPair link = ChannelLink.CreatePair();
        serverStack.AddInterface(link.A, "10.9.0.2/24");
        clientStack.AddInterface(link.B, "10.9.0.1/24");

        // Serve: Kestrel's endpoint on the stack's address goes to the stack; any other would stay on sockets.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseNetstack(serverStack)
            .ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse("10.9.0.2"), 8080));
        await using WebApplication app = builder.Build();
        MapRoutes(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine("server: Kestrel listening on http://10.9.0.2:8080 (netstack)");

        // Ask from the other stack.
        using var handler = new SocketsHttpHandler { ConnectCallback = clientStack.CreateHttpConnectCallback() };
        using var http = new HttpClient(handler);
        foreach (string path in new[] { "/hello", "/whoami" })
        {
            string body = await http.GetStringAsync(new Uri("http://10.9.0.2:8080" + path), cancellationToken).ConfigureAwait(false);
            output.WriteLine($"client: GET {path} -> '{body}'");
        }
        await app.StopAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine("server: stopped");
    }

    /// <summary>The app's routes: a greeting (what the benchmark asks for) and who the server sees.</summary>
    public static void MapRoutes(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/", () => Greeting);
        app.MapGet("/hello", () => Greeting);
        app.MapGet("/whoami", (HttpContext context) =>
            $"{context.Request.Protocol} from {context.Connection.RemoteIpAddress}:{context.Connection.RemotePort} to {context.Connection.LocalIpAddress}:{context.Connection.LocalPort}");
    }
}
