using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Netstack.Cli.Bench;
using Netstack.Stack;

namespace Netstack.Cli.Commands;

/// <summary>
/// <c>netstack bench</c>: measures TCP throughput. Without a TUN device it runs in-process (two stacks over an
/// in-memory link, no privileges needed): the README's "run the main job" command. With <c>--tun</c> our stack
/// sits on a TUN device and speaks iperf3 with the kernel's iperf3 behind it, as <c>--server</c> (for stock
/// <c>iperf3 -c</c>) or as <c>--client HOST</c> (of a stock <c>iperf3 -s</c>).
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
        var omit = new Option<double>("--omit")
        {
            Description = "Seconds at the start that are not counted (iperf3 -O): slow start and buffer growth. In-process default 1; with --client, whole seconds, default 0 as in iperf3.",
            HelpName = "S",
            DefaultValueFactory = _ => 1,
            CustomParser = ValueParsers.Seconds("--omit", 600),
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
            Description = "MTU of the in-memory link (default 1500), or the MTU to set on the TUN device (default: leave it).",
            HelpName = "BYTES",
            CustomParser = OptionParsers.IntegerInRange("--mtu", 1280, 65535),
        };
        var gso = new Option<bool>("--gso") { Description = "Pass 64 KiB TCP super-segments across the link (the default)." };
        var noGso = new Option<bool>("--no-gso") { Description = "Send MTU-sized segments only." };
        var noGro = new Option<bool>("--no-gro") { Description = "Do not coalesce received segments before TCP." };
        var noOffload = new Option<bool>("--no-offload") { Description = "Neither GSO nor GRO, and no vnet_hdr on a TUN device." };
        var vnetHdr = new Option<bool>("--vnet-hdr") { Description = "Open the TUN device with IFF_VNET_HDR: 64 KiB super-segments cross it whole." };
        var queues = new Option<int>("--queues")
        {
            Description = "TUN queues (IFF_MULTI_QUEUE), each with its own dispatcher thread.",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
            CustomParser = OptionParsers.IntegerInRange("--queues", 1, 64),
        };
        var tun = new Option<string>("--tun")
        {
            Description = "Bench over this TUN device (created when missing) against the kernel's iperf3 instead of in-process.",
            HelpName = "NAME",
        };
        tun.Validators.Add(result =>
        {
            string? name = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (name is not null && !EchoCommand.IsValidInterfaceName(name))
            {
                result.AddError($"'{name}' is not a valid interface name (1-15 characters, no '/', ':' or whitespace).");
            }
        });
        var address = new Option<InterfaceAddress[]>("--address")
        {
            Description = "An address of the stack on the TUN device with its prefix length, e.g. 10.9.0.2/24 (repeatable).",
            HelpName = "CIDR",
            Arity = ArgumentArity.OneOrMore,
            CustomParser = OptionParsers.ParseInterfaceAddresses,
        };
        var server = new Option<bool>("--server") { Description = "Serve stock 'iperf3 -c' clients on the TUN device until interrupted." };
        var client = new Option<IPAddress?>("--client")
        {
            Description = "Run an iperf3 test against the 'iperf3 -s' at this address behind the TUN device.",
            HelpName = "HOST",
            CustomParser = ParseHost,
        };
        var port = new Option<int>("--port")
        {
            Description = "The iperf3 port.",
            HelpName = "PORT",
            DefaultValueFactory = _ => 5201,
            CustomParser = OptionParsers.IntegerInRange("--port", 1, 65535),
        };
        var reverse = new Option<bool>("--reverse") { Description = "Client mode: the server sends, we receive (iperf3 -R)." };
        var oneOff = new Option<bool>("--one-off") { Description = "Server mode: exit after one test (iperf3 -1)." };
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
        var congestion = new Option<string>("--congestion")
        {
            Description = "TCP congestion control of both stacks: cubic (the default), reno or newreno.",
            HelpName = "NAME",
            DefaultValueFactory = _ => "cubic",
            CustomParser = ValueParsers.CongestionControl("--congestion"),
        };

        var command = new Command("bench", "Measure TCP throughput between two in-process stacks over an in-memory link.")
        {
            duration, omit, bytes, streams, mtu, gso, noGso, noGro, noOffload, queues, loss, reorder, duplicate, corrupt, delay, seed, verify, json, congestion,
            tun, address, server, client, port, reverse, oneOff, vnetHdr,
        };
        command.Validators.Add(result =>
        {
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
            if (result.GetValue(gso) && result.GetValue(noGso))
            {
                result.AddError("--gso and --no-gso cannot be given together.");
                return;
            }
            if (Given(vnetHdr) && Given(noOffload))
            {
                result.AddError("--vnet-hdr and --no-offload cannot be given together.");
                return;
            }
            if (Given(server) && Given(client))
            {
                result.AddError("--server and --client cannot be given together.");
                return;
            }
            if (Given(tun))
            {
                if (!Given(server) && !Given(client))
                {
                    result.AddError("--tun needs --server or --client HOST.");
                }
                else if (!Given(address))
                {
                    result.AddError("--tun needs --address CIDR.");
                }
                else if (FirstGiven(result, bytes, loss, reorder, duplicate, corrupt, delay, seed, verify, congestion) is Option inProcessOnly)
                {
                    result.AddError($"{inProcessOnly.Name} applies to the in-process bench only, not with --tun.");
                }
                else if (Given(server) && FirstGiven(result, streams, duration, reverse, omit) is Option clientOnly)
                {
                    result.AddError($"{clientOnly.Name} is chosen by the iperf3 client, not with --server.");
                }
                else if (Given(client) && Given(oneOff))
                {
                    result.AddError("--one-off applies to --server only.");
                }
                return;
            }
            if (Given(omit) && Given(bytes))
            {
                result.AddError("--omit applies to timed runs (--duration), not with --bytes.");
            }
            else if (Given(server) || Given(client))
            {
                result.AddError($"{(Given(server) ? "--server" : "--client")} needs --tun NAME.");
            }
            else if (FirstGiven(result, address, port, reverse, queues, oneOff, vnetHdr) is Option tunOnly)
            {
                result.AddError($"{tunOnly.Name} needs --tun NAME.");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            bool offload = !parseResult.GetValue(noOffload);
            if (parseResult.GetResult(tun) is { Implicit: false })
            {
                var tunOptions = new TunBenchOptions
                {
                    Tun = parseResult.GetRequiredValue(tun),
                    Addresses = parseResult.GetRequiredValue(address),
                    Server = parseResult.GetValue(server),
                    Client = parseResult.GetValue(client),
                    Port = (ushort)parseResult.GetValue(port),
                    Reverse = parseResult.GetValue(reverse),
                    Streams = parseResult.GetValue(streams),
                    Duration = parseResult.GetResult(duration) is { Implicit: false } ? TimeSpan.FromSeconds(parseResult.GetValue(duration)) : TimeSpan.FromSeconds(10),
                    OmitSeconds = parseResult.GetResult(omit) is { Implicit: false } ? (int)Math.Ceiling(parseResult.GetValue(omit)) : 0,
                    OneOff = parseResult.GetValue(oneOff),
                    Mtu = parseResult.GetValue(mtu) is int m and > 0 ? m : null,
                    Queues = parseResult.GetValue(queues),
                    Gso = offload && !parseResult.GetValue(noGso),
                    Gro = offload && !parseResult.GetValue(noGro),
                    VirtioNetHeader = parseResult.GetValue(vnetHdr),
                    Json = parseResult.GetValue(json),
                };
                return await TunBench.RunAsync(tunOptions, parseResult.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
            }

            var options = new BenchOptions
            {
                Duration = TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                Omit = TimeSpan.FromSeconds(parseResult.GetValue(omit)),
                Bytes = parseResult.GetValue(bytes),
                Streams = parseResult.GetValue(streams),
                Mtu = parseResult.GetValue(mtu) is int m2 and > 0 ? m2 : 1500,
                Gso = offload && !parseResult.GetValue(noGso),
                Gro = offload && !parseResult.GetValue(noGro),
                Loss = parseResult.GetValue(loss),
                Reorder = parseResult.GetValue(reorder),
                Duplicate = parseResult.GetValue(duplicate),
                Corrupt = parseResult.GetValue(corrupt),
                Delay = TimeSpan.FromMilliseconds(parseResult.GetValue(delay)),
                Seed = parseResult.GetValue(seed),
                Verify = parseResult.GetValue(verify),
                Json = parseResult.GetValue(json),
                CongestionControl = parseResult.GetRequiredValue(congestion),
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

    private static Option? FirstGiven(CommandResult result, params Option[] options)
    {
        foreach (Option option in options)
        {
            if (result.GetResult(option) is { Implicit: false })
            {
                return option;
            }
        }
        return null;
    }

    private static IPAddress? ParseHost(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!IPAddress.TryParse(text, out IPAddress? address) || text.Contains('%', StringComparison.Ordinal))
        {
            result.AddError($"--client must be an IPv4 or IPv6 address, not '{text}'.");
            return null;
        }
        return address;
    }
}
