namespace Netstack.Examples.TcpForwarder;

/// <summary><c>dotnet run --project examples/TcpForwarder</c>: no root; the only real socket traffic is on 127.0.0.1.</summary>
internal static class Program
{
    public static async Task Main()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        await TcpForwarderExample.RunAsync(Console.Out, stop.Token).ConfigureAwait(false);
    }
}
