using System.Diagnostics;
using System.Net;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Stack;

/// <summary>
/// The stack's meter as an operator sees it: <c>dotnet-counters collect</c> attached to this test process (over the
/// runtime's diagnostic port, as it attaches to any .NET program) records the <c>Netstack</c> instruments while two
/// stacks move data. CI installs the tool (<c>.ci/run</c>); without it the test is skipped and says so.
/// </summary>
public class DotnetCountersTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Parse("10.9.0.2"), 7100);

    [RequiresToolFact("dotnet-counters")]
    public async Task Dotnet_counters_sees_the_stack_meters()
    {
        using var stop = new CancellationTokenSource();
        await using var serverStack = new NetStack();
        await using var clientStack = new NetStack();
        await using ChannelLinkPair link = ChannelLink.CreatePair();
        serverStack.AddInterface(link.A, "10.9.0.2/24");
        clientStack.AddInterface(link.B, "10.9.0.1/24");
        await using TcpConnectionListener listener = serverStack.ListenTcp(Server);
        Task traffic = SendUntilStoppedAsync(listener, clientStack, stop.Token);

        string csv = Path.Combine(Path.GetTempPath(), $"netstack-counters-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        try
        {
            var start = new ProcessStartInfo(ToolPath.Find("dotnet-counters")!)
            {
                ArgumentList = { "collect", "-p", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--counters", "Netstack", "--refresh-interval", "1", "--duration", "00:00:00:05", "--format", "csv", "-o", csv },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process collector = Process.Start(start)!;
            Task<string> output = collector.StandardOutput.ReadToEndAsync();
            Task<string> errors = collector.StandardError.ReadToEndAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a safety net, not a timing
            try
            {
                await collector.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                collector.Kill(entireProcessTree: true);
                throw;
            }
            Assert.True(collector.ExitCode == 0, $"dotnet-counters exited {collector.ExitCode}: {await output} {await errors}");
            string[] rows = await File.ReadAllLinesAsync(csv);
            // Rows are "timestamp,provider,counter name (unit),counter type,value".
            Assert.Contains(rows, r => r.Contains(",Netstack,netstack.tcp.segments.sent", StringComparison.Ordinal) && !r.EndsWith(",0", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains(",Netstack,netstack.ip.packets.received", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains(",Netstack,netstack.tcp.connection.count", StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
            File.Delete(csv);
        }
    }

    /// <summary>One connection carrying data until cancelled, so the counters keep moving while they are sampled.</summary>
    private static async Task SendUntilStoppedAsync(TcpConnectionListener listener, NetStack clientStack, CancellationToken stop)
    {
        await using TcpConnection client = await clientStack.ConnectTcpAsync(Server, stop);
        await using TcpConnection server = await listener.AcceptAsync(stop);
        Task sink = DrainAsync(server, stop);
        byte[] block = new byte[64 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await client.Stream.WriteAsync(block, stop);
                await Task.Delay(10, stop); // a trickle is enough; the machine runs other tests
            }
        }
        catch (OperationCanceledException)
        {
        }
        await sink;
    }

    private static async Task DrainAsync(TcpConnection connection, CancellationToken stop)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (await connection.Stream.ReadAsync(buffer, stop) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
