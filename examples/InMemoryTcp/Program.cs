namespace Netstack.Examples.InMemoryTcp;

/// <summary><c>dotnet run --project examples/InMemoryTcp</c>: no root, no devices.</summary>
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
        await InMemoryTcpExample.RunAsync(Console.Out, stop.Token).ConfigureAwait(false);
    }
}
