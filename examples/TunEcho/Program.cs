using System.Globalization;
using System.Runtime.InteropServices;
using Netstack.Stack;

namespace Netstack.Examples.TunEcho;

/// <summary>
/// <c>sudo dotnet run --project examples/TunEcho -- tun0 10.9.0.2/24 [PORT]</c>, then in another shell
/// <c>sudo ip addr add 10.9.0.1/24 dev tun0 &amp;&amp; sudo ip link set tun0 up &amp;&amp; nc 10.9.0.2 7</c>.
/// Runs until SIGINT or SIGTERM.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length is < 2 or > 3)
        {
            await Console.Error.WriteLineAsync("usage: TunEcho DEVICE ADDRESS/PREFIX [PORT]   (needs root or CAP_NET_ADMIN)").ConfigureAwait(false);
            return 2;
        }
        InterfaceAddress address = InterfaceAddress.Parse(args[1]);
        int port = args.Length == 3 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await TunEchoServer.RunAsync(args[0], address, port, Console.Out, stop.Token).ConfigureAwait(false);
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // exit through the normal path, which closes the device
            stop.Cancel();
        }
    }
}
