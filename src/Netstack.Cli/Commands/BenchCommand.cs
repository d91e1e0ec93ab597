using System.CommandLine;
using Netstack.Cli.Bench;

namespace Netstack.Cli.Commands;

/// <summary>
/// <c>netstack bench</c>: measures TCP throughput. Without a TUN device it runs in-process (two stacks over an
/// in-memory link, no privileges needed): the README's "run the main job" command.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var duration = new Option<double>("--duration")
        {
            Description = "Seconds to send for (ignored when --bytes is given).",
            HelpName = "S",
            DefaultValueFactory = _ => 5,
            CustomParser = ValueParsers.PositiveSeconds("--duration", 3600),
        };
        var bytes = new Option<long?>("--bytes")
        {
            Description = "Bytes to transfer in total across the streams (K, M, G = 1024-based), e.g. 100M.",
            HelpName = "N",
            CustomParser = ValueParsers.Size("--bytes"),
        };
        var streams = new Option<int>("--streams")
        {
            Description = "Parallel TCP connections.",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
            CustomParser = OptionParsers.IntegerInRange("--streams", 1, 128),
        };
        var mtu = new Option<int>("--mtu")
        {
            Description = "MTU of the in-memory link.",
            HelpName = "BYTES",
            DefaultValueFactory = _ => 1500,
            CustomParser = OptionParsers.IntegerInRange("--mtu", 1280, 65535),
        };
        var gso = new Option<bool>("--gso") { Description = "Pass 64 KiB TCP super-segments across the link (the default)." };
        var noGso = new Option<bool>("--no-gso") { Description = "Send MTU-sized segments only." };
        var loss = new Option<double>("--loss") { Description = "Probability that a packet is lost.", HelpName = "P", CustomParser = ValueParsers.Probability("--loss") };
        var reorder = new Option<double>("--reorder") { Description = "Probability that a packet is held back behind the next.", HelpName = "P", CustomParser = ValueParsers.Probability("--reorder") };
        var duplicate = new Option<double>("--duplicate") { Description = "Probability that a packet is duplicated.", HelpName = "P", CustomParser = ValueParsers.Probability("--duplicate") };
        var corrupt = new Option<double>("--corrupt") { Description = "Probability that a packet has one bit flipped.", HelpName = "P", CustomParser = ValueParsers.Probability("--corrupt") };
        var delay = new Option<int>("--delay")
        {
            Description = "One-way delay in milliseconds added in each direction.",
            HelpName = "MS",
            CustomParser = OptionParsers.IntegerInRange("--delay", 0, 10000),
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed for the test data and the impairments (runs with the same seed impair the same way).",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
            CustomParser = OptionParsers.IntegerInRange("--seed", 0, int.MaxValue),
        };
        var verify = new Option<bool>("--verify") { Description = "Check every received byte against the sent ones; exit 1 on a mismatch." };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };

        var command = new Command("bench", "Measure TCP throughput between two in-process stacks over an in-memory link.")
        {
            duration, bytes, streams, mtu, gso, noGso, loss, reorder, duplicate, corrupt, delay, seed, verify, json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(gso) && result.GetValue(noGso))
            {
                result.AddError("--gso and --no-gso cannot be given together.");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new BenchOptions
            {
                Duration = TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                Bytes = parseResult.GetValue(bytes),
                Streams = parseResult.GetValue(streams),
                Mtu = parseResult.GetValue(mtu),
                Gso = !parseResult.GetValue(noGso),
                Loss = parseResult.GetValue(loss),
                Reorder = parseResult.GetValue(reorder),
                Duplicate = parseResult.GetValue(duplicate),
                Corrupt = parseResult.GetValue(corrupt),
                Delay = TimeSpan.FromMilliseconds(parseResult.GetValue(delay)),
                Seed = parseResult.GetValue(seed),
                Verify = parseResult.GetValue(verify),
                Json = parseResult.GetValue(json),
            };
            BenchResult result;
            try
            {
                result = await InProcessBench.RunAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (BenchVerificationException e)
            {
                throw new CommandFailedException("bench: verification failed: " + e.Message);
            }
            TextWriter output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(options.Json ? result.ToJson() : result.ToText());
            return ExitCodes.Success;
        });
        return command;
    }
}
