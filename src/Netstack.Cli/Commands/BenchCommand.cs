using System.CommandLine;
using Netstack.Cli.Bench;

namespace Netstack.Cli.Commands;

/// <summary>
/// <c>netstack bench</c>: measures TCP throughput. Without a TUN device it runs in-process (two stacks over an
/// in-memory link, no privileges needed): the README's "run the main job" command. With <c>--tun</c> our stack
/// sits on a TUN device and speaks iperf3 with the kernel's iperf3 behind it, as <c>--server</c> (for stock
/// <c>iperf3 -c</c>) or as <c>--client HOST</c> (of a stock <c>iperf3 -s</c>). With <c>--connections N</c> it
/// measures scale instead: the time to open N connections and the memory each idle one holds. With
/// <c>--syn-flood N</c> it measures a listener under a SYN flood (see <see cref="SynFloodBench"/>).
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var o = new BenchCommandOptions();
        var command = new Command("bench", "Measure TCP throughput between two in-process stacks over an in-memory link.");
        foreach (Option option in o.All)
        {
            command.Options.Add(option);
        }
        command.Validators.Add(o.Validate);
        command.SetAction((parseResult, cancellationToken) => RunAsync(o, parseResult, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(BenchCommandOptions o, ParseResult parseResult, CancellationToken cancellationToken)
    {
        TextWriter output = parseResult.InvocationConfiguration.Output;
        if (parseResult.GetResult(o.Tun) is { Implicit: false })
        {
            return await TunBench.RunAsync(TunOptions(o, parseResult), output, cancellationToken).ConfigureAwait(false);
        }
        if (parseResult.GetResult(o.Connections) is { Implicit: false })
        {
            var connections = new ConnectionsBenchOptions
            {
                Connections = parseResult.GetValue(o.Connections),
                Idle = parseResult.GetValue(o.Idle),
                Seed = parseResult.GetValue(o.Seed),
                Json = parseResult.GetValue(o.Json),
            };
            ConnectionsBenchResult opened = await ConnectionsBench.RunAsync(connections, cancellationToken).ConfigureAwait(false);
            output.WriteLine(connections.Json ? opened.ToJson() : opened.ToText());
            return ExitCodes.Success;
        }
        if (parseResult.GetResult(o.SynFlood) is { Implicit: false })
        {
            SynFloodBenchResult flood = SynFloodBench.Run(parseResult.GetValue(o.SynFlood), parseResult.GetValue(o.Seed));
            output.WriteLine(parseResult.GetValue(o.Json) ? flood.ToJson() : flood.ToText());
            return flood.Succeeded == flood.Attempts && flood.ConnectionsLeft == 0 && flood.BuffersLeft == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }
        BenchOptions options = InProcessOptions(o, parseResult);
        BenchResult result;
        try
        {
            result = await InProcessBench.RunAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (BenchVerificationException e)
        {
            throw new CommandFailedException("bench: verification failed: " + e.Message);
        }
        output.WriteLine(options.Json ? result.ToJson() : result.ToText());
        return ExitCodes.Success;
    }

    private static TunBenchOptions TunOptions(BenchCommandOptions o, ParseResult parseResult)
    {
        bool offload = !parseResult.GetValue(o.NoOffload);
        return new TunBenchOptions
        {
            Tun = parseResult.GetRequiredValue(o.Tun),
            Addresses = parseResult.GetRequiredValue(o.Address),
            Server = parseResult.GetValue(o.Server),
            Client = parseResult.GetValue(o.Client),
            Port = (ushort)parseResult.GetValue(o.Port),
            Reverse = parseResult.GetValue(o.Reverse),
            Streams = parseResult.GetValue(o.Streams),
            Duration = parseResult.GetResult(o.Duration) is { Implicit: false } ? TimeSpan.FromSeconds(parseResult.GetValue(o.Duration)) : TimeSpan.FromSeconds(10),
            OmitSeconds = parseResult.GetResult(o.Omit) is { Implicit: false } ? (int)Math.Ceiling(parseResult.GetValue(o.Omit)) : 0,
            OneOff = parseResult.GetValue(o.OneOff),
            Mtu = parseResult.GetValue(o.Mtu) is int m and > 0 ? m : null,
            Queues = parseResult.GetValue(o.Queues),
            Gso = offload && !parseResult.GetValue(o.NoGso),
            Gro = offload && !parseResult.GetValue(o.NoGro),
            VirtioNetHeader = offload ? o.VnetHdr.Value(parseResult) : false,
            Json = parseResult.GetValue(o.Json),
        };
    }

    private static BenchOptions InProcessOptions(BenchCommandOptions o, ParseResult parseResult)
    {
        bool offload = !parseResult.GetValue(o.NoOffload);
        return new BenchOptions
        {
            Duration = TimeSpan.FromSeconds(parseResult.GetValue(o.Duration)),
            Omit = TimeSpan.FromSeconds(parseResult.GetValue(o.Omit)),
            Bytes = parseResult.GetValue(o.Bytes),
            Streams = parseResult.GetValue(o.Streams),
            Mtu = parseResult.GetValue(o.Mtu) is int m and > 0 ? m : 1500,
            Gso = offload && !parseResult.GetValue(o.NoGso),
            Gro = offload && !parseResult.GetValue(o.NoGro),
            Loss = parseResult.GetValue(o.Loss),
            Reorder = parseResult.GetValue(o.Reorder),
            Duplicate = parseResult.GetValue(o.Duplicate),
            Corrupt = parseResult.GetValue(o.Corrupt),
            Delay = TimeSpan.FromMilliseconds(parseResult.GetValue(o.Delay)),
            Seed = parseResult.GetValue(o.Seed),
            Verify = parseResult.GetValue(o.Verify),
            Json = parseResult.GetValue(o.Json),
            CongestionControl = parseResult.GetRequiredValue(o.Congestion),
        };
    }
}
