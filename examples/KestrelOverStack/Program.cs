using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Netstack.AspNetCore;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Examples.KestrelOverStack;

/// <summary>
/// <c>dotnet run --project examples/KestrelOverStack</c>: two stacks in one process, no root. With arguments it
/// serves the same app until Ctrl+C, for <c>bench/kestrel.sh</c>:
/// <code>
///   tun DEVICE ADDRESS/PREFIX PORT   over a TUN device (root): Kestrel on the stack at ADDRESS:PORT
///   socket PORT                      Kestrel's socket transport on 127.0.0.1:PORT, for comparison
/// </code>
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        try
        {
            switch (args)
            {
                case []:
                    stop.CancelAfter(TimeSpan.FromSeconds(30));
                    await KestrelOverStackExample.RunAsync(Console.Out, stop.Token).ConfigureAwait(false);
                    return 0;
                case ["tun", string device, string address, string port]:
                    await ServeOverTunAsync(device, InterfaceAddress.Parse(address), ParsePort(port), stop.Token).ConfigureAwait(false);
                    return 0;
                case ["socket", string port]:
                    await ServeAsync(builder => builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, ParsePort(port))), "127.0.0.1:" + port, stop.Token).ConfigureAwait(false);
                    return 0;
                default:
                    Console.Error.WriteLine("usage: KestrelOverStack [tun DEVICE ADDRESS/PREFIX PORT | socket PORT]");
                    return 2;
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Net.Sockets.SocketException or IOException)
        {
            Console.Error.WriteLine($"KestrelOverStack: {e.Message}");
            return 1;
        }
    }

    private static async Task ServeOverTunAsync(string device, InterfaceAddress address, int port, CancellationToken cancellationToken)
    {
        await using var stack = new NetStack();
        await using var link = new TunLink(device);
        stack.AddInterface(link, address);
        await ServeAsync(builder => builder.WebHost.UseNetstack(stack).ConfigureKestrel(k => k.Listen(address.Address.ToIPAddress(), port)),
            $"{address.Address}:{port} (netstack on {device})", cancellationToken).ConfigureAwait(false);
    }

    private static async Task ServeAsync(Action<WebApplicationBuilder> configure, string where, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configure(builder);
        await using WebApplication app = builder.Build();
        KestrelOverStackExample.MapRoutes(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"listening on {where}");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? port
            : throw new FormatException($"'{text}' is not a port (1-65535).");
}
