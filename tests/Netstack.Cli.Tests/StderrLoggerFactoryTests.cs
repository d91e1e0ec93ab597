using System.Net;
using Microsoft.Extensions.Logging;
using Netstack.Cli.Run;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Cli.Tests;

public class StderrLoggerFactoryTests
{
    [Fact]
    public async Task Verbose_logging_writes_the_stacks_connection_events_one_line_each_and_nothing_below_the_minimum()
    {
        using var output = new StringWriter();
        using var logging = new StderrLoggerFactory("run", LogLevel.Debug, output);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var server = new NetStack(new NetStackOptions { LoggerFactory = logging });
        await using var client = new NetStack();
        await using (ChannelLinkPair link = ChannelLink.CreatePair())
        {
            server.AddInterface(link.A, "10.9.0.2/24");
            client.AddInterface(link.B, "10.9.0.1/24");
            await using TcpConnectionListener listener = server.ListenTcp(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 80));
            await using TcpConnection connection = await client.ConnectTcpAsync(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 80), cancel.Token);
            await using TcpConnection accepted = await listener.AcceptAsync(cancel.Token);
            Assert.Contains($"run: debug Netstack.Tcp: TCP 10.9.0.2:80 -> 10.9.0.1:{connection.LocalEndPoint.Port} established", Lines(output));
        }
        ILogger logger = logging.CreateLogger("Test");
        Assert.False(logger.IsEnabled(LogLevel.Trace));
        logger.Log(LogLevel.Trace, default, "invisible", null, static (s, _) => s);
        logger.Log(LogLevel.Warning, default, "visible", null, static (s, _) => s);
        Assert.DoesNotContain(Lines(output), l => l.Contains("invisible", StringComparison.Ordinal));
        Assert.Contains("run: warning Test: visible", Lines(output));
    }

    private static string[] Lines(StringWriter output)
    {
        lock (output)
        {
            return output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        }
    }
}
