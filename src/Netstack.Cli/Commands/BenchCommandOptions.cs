using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Netstack.Cli.Bench;
using Netstack.Stack;

namespace Netstack.Cli.Commands;

/// <summary>The options of <c>netstack bench</c> and the rules on which go together (in-process or over TUN, server or client).</summary>
internal sealed class BenchCommandOptions
{
    public BenchCommandOptions()
    {
        Tun.Validators.Add(static result =>
        {
            string? name = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (name is not null && !EchoCommand.IsValidInterfaceName(name))
            {
                result.AddError($"'{name}' is not a valid interface name (1-15 characters, no '/', ':' or whitespace).");
            }
        });
    }

    public Option<double> Duration { get; } = new("--duration")
    {
        Description = "Seconds to send for (ignored when --bytes is given).",
        HelpName = "S",
        DefaultValueFactory = _ => 5,
        CustomParser = ValueParsers.PositiveSeconds("--duration", 3600),
    };

    public Option<double> Omit { get; } = new("--omit")
    {
        Description = "Seconds at the start that are not counted (iperf3 -O): slow start and buffer growth. In-process default 1; with --client, whole seconds, default 0 as in iperf3.",
        HelpName = "S",
        DefaultValueFactory = _ => 1,
        CustomParser = ValueParsers.Seconds("--omit", 600),
    };

    public Option<long?> Bytes { get; } = new("--bytes")
    {
        Description = "Bytes to transfer in total across the streams (K, M, G = 1024-based), e.g. 100M.",
        HelpName = "N",
        CustomParser = ValueParsers.Size("--bytes"),
    };

    public Option<int> Streams { get; } = new("--streams")
    {
        Description = "Parallel TCP connections.",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
        CustomParser = OptionParsers.IntegerInRange("--streams", 1, 128),
    };

    public Option<int> Mtu { get; } = new("--mtu")
    {
        Description = "MTU of the in-memory link (default 1500), or the MTU to set on the TUN device (default: leave it).",
        HelpName = "BYTES",
        CustomParser = OptionParsers.IntegerInRange("--mtu", 1280, 65535),
    };

    public Option<bool> Gso { get; } = new("--gso") { Description = "Pass 64 KiB TCP super-segments across the link (the default)." };

    public Option<bool> NoGso { get; } = new("--no-gso") { Description = "Send MTU-sized segments only." };

    public Option<bool> NoGro { get; } = new("--no-gro") { Description = "Do not coalesce received segments before TCP." };

    public Option<bool> NoOffload { get; } = new("--no-offload") { Description = "Neither GSO nor GRO, and no vnet_hdr on a TUN device." };

    public VnetHdrOptions VnetHdr { get; } = new();

    public Option<int> Queues { get; } = new("--queues")
    {
        Description = "TUN queues (IFF_MULTI_QUEUE), each with its own dispatcher thread.",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
        CustomParser = OptionParsers.IntegerInRange("--queues", 1, 64),
    };

    public Option<string> Tun { get; } = new("--tun")
    {
        Description = "Bench over this TUN device (created when missing) against the kernel's iperf3 instead of in-process.",
        HelpName = "NAME",
    };

    public Option<InterfaceAddress[]> Address { get; } = new("--address")
    {
        Description = "An address of the stack on the TUN device with its prefix length, e.g. 10.9.0.2/24 (repeatable).",
        HelpName = "CIDR",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = OptionParsers.ParseInterfaceAddresses,
    };

    public Option<bool> Server { get; } = new("--server") { Description = "Serve stock 'iperf3 -c' clients on the TUN device until interrupted." };

    public Option<IPAddress?> Client { get; } = new("--client")
    {
        Description = "Run an iperf3 test against the 'iperf3 -s' at this address behind the TUN device.",
        HelpName = "HOST",
        CustomParser = ParseHost,
    };

    public Option<int> Port { get; } = new("--port")
    {
        Description = "The iperf3 port.",
        HelpName = "PORT",
        DefaultValueFactory = _ => 5201,
        CustomParser = OptionParsers.IntegerInRange("--port", 1, 65535),
    };

    public Option<bool> Reverse { get; } = new("--reverse") { Description = "Client mode: the server sends, we receive (iperf3 -R)." };

    public Option<bool> OneOff { get; } = new("--one-off") { Description = "Server mode: exit after one test (iperf3 -1)." };

    public Option<double> Loss { get; } = new("--loss") { Description = "Probability that a packet is lost.", HelpName = "P", CustomParser = ValueParsers.Probability("--loss") };

    public Option<double> Reorder { get; } = new("--reorder") { Description = "Probability that a packet is held back behind the next.", HelpName = "P", CustomParser = ValueParsers.Probability("--reorder") };

    public Option<double> Duplicate { get; } = new("--duplicate") { Description = "Probability that a packet is duplicated.", HelpName = "P", CustomParser = ValueParsers.Probability("--duplicate") };

    public Option<double> Corrupt { get; } = new("--corrupt") { Description = "Probability that a packet has one bit flipped.", HelpName = "P", CustomParser = ValueParsers.Probability("--corrupt") };

    public Option<int> Delay { get; } = new("--delay")
    {
        Description = "One-way delay in milliseconds added in each direction.",
        HelpName = "MS",
        CustomParser = OptionParsers.IntegerInRange("--delay", 0, 10000),
    };

    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Seed for the test data and the impairments (runs with the same seed impair the same way).",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
        CustomParser = OptionParsers.IntegerInRange("--seed", 0, int.MaxValue),
    };

    public Option<bool> Verify { get; } = new("--verify") { Description = "Check every received byte against the sent ones; exit 1 on a mismatch." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as one JSON object." };

    public Option<string> Congestion { get; } = new("--congestion")
    {
        Description = "TCP congestion control of both stacks: cubic (the default), reno or newreno.",
        HelpName = "NAME",
        DefaultValueFactory = _ => "cubic",
        CustomParser = ValueParsers.CongestionControl("--congestion"),
    };

    public Option<int> Connections { get; } = new("--connections")
    {
        Description = "Instead of throughput: open N connections between the in-process stacks and report the time to open them and the memory per idle connection.",
        HelpName = "N",
        CustomParser = OptionParsers.IntegerInRange("--connections", 1, 1_000_000),
    };

    public Option<bool> Idle { get; } = new("--idle") { Description = "With --connections: the connections never carry data (otherwise each carries one 1 KiB request and reply first)." };

    public Option<int> SynFlood { get; } = new("--syn-flood")
    {
        Description = "Instead of throughput: N spoofed SYNs at a listener while a client connects 100 times; reports the connects that succeeded, their time and the memory used.",
        HelpName = "N",
        CustomParser = OptionParsers.IntegerInRange("--syn-flood", 1, 10_000_000),
    };

    /// <summary>Every option, in the order help lists them.</summary>
    public IEnumerable<Option> All =>
    [
        Duration, Omit, Bytes, Streams, Mtu, Gso, NoGso, NoGro, NoOffload, Queues, Loss, Reorder, Duplicate, Corrupt, Delay, Seed, Verify, Json, Congestion,
        Connections, Idle, SynFlood, Tun, Address, Server, Client, Port, Reverse, OneOff, VnetHdr.Require, VnetHdr.Refuse,
    ];

    /// <summary>Refuses combinations that make no sense: contradicting flags, TUN-only options in-process and the reverse.</summary>
    public void Validate(CommandResult result)
    {
        if (result.GetValue(Gso) && result.GetValue(NoGso))
        {
            result.AddError("--gso and --no-gso cannot be given together.");
        }
        else if (VnetHdr.Conflict(result) is string conflict)
        {
            result.AddError(conflict);
        }
        else if (Given(result, VnetHdr.Require) && Given(result, NoOffload))
        {
            result.AddError("--vnet-hdr and --no-offload cannot be given together.");
        }
        else if (Given(result, Server) && Given(result, Client))
        {
            result.AddError("--server and --client cannot be given together.");
        }
        else if (Given(result, Tun) && FirstGiven(result, Connections, Idle, SynFlood) is Option connectionsOnly)
        {
            result.AddError($"{connectionsOnly.Name} applies to the in-process bench only, not with --tun.");
        }
        else if (Given(result, Tun))
        {
            ValidateTun(result);
        }

        else
        {
            ValidateInProcess(result);
        }
    }

    private void ValidateTun(CommandResult result)
    {
        if (!Given(result, Server) && !Given(result, Client))
        {
            result.AddError("--tun needs --server or --client HOST.");
        }
        else if (!Given(result, Address))
        {
            result.AddError("--tun needs --address CIDR.");
        }
        else if (FirstGiven(result, Bytes, Loss, Reorder, Duplicate, Corrupt, Delay, Seed, Verify, Congestion) is Option inProcessOnly)
        {
            result.AddError($"{inProcessOnly.Name} applies to the in-process bench only, not with --tun.");
        }
        else if (Given(result, Server) && FirstGiven(result, Streams, Duration, Reverse, Omit) is Option clientOnly)
        {
            result.AddError($"{clientOnly.Name} is chosen by the iperf3 client, not with --server.");
        }
        else if (Given(result, Client) && Given(result, OneOff))
        {
            result.AddError("--one-off applies to --server only.");
        }
    }

    private void ValidateInProcess(CommandResult result)
    {
        if (Given(result, Idle) && !Given(result, Connections))
        {
            result.AddError("--idle needs --connections N.");
        }
        else if (Given(result, SynFlood) && Given(result, Connections))
        {
            result.AddError("--syn-flood and --connections cannot be given together.");
        }
        else if (Given(result, SynFlood)
            && FirstGiven(result, Duration, Omit, Bytes, Streams, Mtu, Gso, NoGso, NoGro, NoOffload, Loss, Reorder, Duplicate, Corrupt, Delay, Verify, Congestion) is Option notWithFlood)
        {
            result.AddError($"{notWithFlood.Name} applies to the throughput bench, not with --syn-flood.");
        }
        else if (Given(result, Connections)
            && FirstGiven(result, Duration, Omit, Bytes, Streams, Mtu, Gso, NoGso, NoGro, NoOffload, Loss, Reorder, Duplicate, Corrupt, Delay, Verify, Congestion) is Option throughputOnly)
        {
            result.AddError($"{throughputOnly.Name} applies to the throughput bench, not with --connections.");
        }
        else if (Given(result, Omit) && Given(result, Bytes))
        {
            result.AddError("--omit applies to timed runs (--duration), not with --bytes.");
        }
        else if (Given(result, Server) || Given(result, Client))
        {
            result.AddError($"{(Given(result, Server) ? "--server" : "--client")} needs --tun NAME.");
        }
        else if (FirstGiven(result, Address, Port, Reverse, Queues, OneOff, VnetHdr.Require, VnetHdr.Refuse) is Option tunOnly)
        {
            result.AddError($"{tunOnly.Name} needs --tun NAME.");
        }
    }

    private static bool Given(CommandResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static Option? FirstGiven(CommandResult result, params Option[] options)
    {
        foreach (Option option in options)
        {
            if (Given(result, option))
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
