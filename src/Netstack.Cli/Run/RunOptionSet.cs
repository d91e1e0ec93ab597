using System.CommandLine;
using System.CommandLine.Parsing;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli.Run;

/// <summary>
/// The command-line options <c>run</c>, <c>attach</c> and the hidden helper modes share, and their binding to
/// a <see cref="RunOptions"/>. Malformed values are parse errors (one line, exit 2, through
/// <see cref="NetstackCli.Run"/>); contradictions found while binding throw <see cref="CommandFailedException"/>
/// with <see cref="ExitCodes.Usage"/>, which prints the same way.
/// </summary>
public sealed class RunOptionSet
{
    private readonly Option<int> _mtu = new("--mtu")
    {
        Description = "The MTU of the namespace's device (IPv6 needs at least 1280).",
        HelpName = "BYTES",
        DefaultValueFactory = _ => RunOptions.DefaultMtu,
        CustomParser = OptionParsers.IntegerInRange("--mtu", 1280, 65520),
    };

    private readonly Option<InterfaceAddress[]> _address = new("--address")
    {
        Description = "The namespace's address with prefix, one IPv4 and/or one IPv6 (default 10.0.2.100/24 and fd00::100/64, or the next free subnet).",
        HelpName = "CIDR",
        CustomParser = OptionParsers.ParseInterfaceAddresses,
    };

    private readonly Option<NetAddress[]> _gateway = new("--gateway")
    {
        Description = "The gateway inside the namespace, one per family (default: the prefix's second address, e.g. 10.0.2.2).",
        HelpName = "ADDR",
        CustomParser = result => ParseAddresses(result, "--gateway"),
    };

    private readonly Option<NetAddress[]> _dns = new("--dns-forward")
    {
        Description = "The DNS address inside the namespace, one per family, forwarded to the host's resolver (default: the prefix's third address).",
        HelpName = "ADDR",
        CustomParser = result => ParseAddresses(result, "--dns-forward"),
    };

    private readonly Option<bool> _noMapGateway = new("--no-map-gw")
    {
        Description = "Do not map the gateway addresses to the host's loopback.",
    };

    private readonly Option<int> _udpTimeout = new("--udp-timeout")
    {
        Description = "Seconds a UDP flow may be idle before its host socket is closed.",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 180,
        CustomParser = OptionParsers.IntegerInRange("--udp-timeout", 1, 604800),
    };

    private readonly Option<int> _maxFlows = new("--max-flows")
    {
        Description = "The most forwarded TCP connections and UDP flows at once.",
        HelpName = "N",
        DefaultValueFactory = _ => 65536,
        CustomParser = OptionParsers.IntegerInRange("--max-flows", 1, 16 * 1024 * 1024),
    };

    private readonly Option<int> _maxPendingDials = new("--max-pending-dials")
    {
        Description = "The most outbound TCP connects in progress at once; further SYNs wait for the namespace to retry.",
        HelpName = "N",
        DefaultValueFactory = _ => RunOptions.DefaultMaxPendingDials,
        CustomParser = OptionParsers.IntegerInRange("--max-pending-dials", 1, 65536),
    };

    private readonly Option<PortForwardSpec[]> _tcp = new("--tcp-ports", "-t")
    {
        Description = "Forward host TCP ports into the namespace: [ADDR/]HOSTPORT[-HOSTPORT2][:NSPORT[-NSPORT2]] (repeatable).",
        HelpName = "SPEC",
        CustomParser = result => ParseSpecs(result, "-t"),
    };

    private readonly Option<PortForwardSpec[]> _udp = new("--udp-ports", "-u")
    {
        Description = "Forward host UDP ports into the namespace: [ADDR/]HOSTPORT[-HOSTPORT2][:NSPORT[-NSPORT2]] (repeatable).",
        HelpName = "SPEC",
        CustomParser = result => ParseSpecs(result, "-u"),
    };

    private readonly Option<OutboundProxy?> _outbound = new("--outbound")
    {
        Description = "Carry outbound TCP and UDP through a SOCKS5 server: socks5://HOST:PORT.",
        HelpName = "URL",
        CustomParser = ParseOutbound,
    };

    private readonly Option<FileInfo?> _pcap = new("--pcap")
    {
        Description = "Write what crosses the namespace's device to this pcap file.",
        HelpName = "FILE",
    };

    private readonly Option<int> _queues = new("--queues")
    {
        Description = "TUN queues (each a descriptor and a thread).",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
        CustomParser = OptionParsers.IntegerInRange("--queues", 1, Netstack.Interop.FdPassing.MaxDescriptors),
    };

    private readonly Option<bool> _noPeekOffset = new("--no-peek-off")
    {
        Description = "Do not peek at host sockets with SO_PEEK_OFF; copy received data into a send buffer instead.",
    };

    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "Print only errors." };

    private readonly Option<bool> _verbose = new("--verbose") { Description = "Also print what was chosen (addresses per family, device) and log connections, flows and warnings (Debug) on standard error." };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in new Option[]
        {
            _mtu, _address, _gateway, _dns, _noMapGateway, _udpTimeout, _maxFlows, _maxPendingDials,
            _tcp, _udp, _outbound, _pcap, _queues, _noPeekOffset, _quiet, _verbose,
        })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Builds the options from a parse result; <paramref name="hostPrefixes"/> are the host's networks the default subnets must avoid.</summary>
    public RunOptions Bind(ParseResult result, IReadOnlyList<string> command, IReadOnlyList<InterfaceAddress> hostPrefixes)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.GetValue(_quiet) && result.GetValue(_verbose))
        {
            throw new CommandFailedException("--quiet and --verbose cannot be used together", ExitCodes.Usage);
        }
        return new RunOptions
        {
            Command = command,
            Mtu = result.GetValue(_mtu),
            Addresses = AddressPlanner.Resolve(result.GetValue(_address) ?? [], result.GetValue(_gateway) ?? [], result.GetValue(_dns) ?? [], hostPrefixes),
            MapGateway = !result.GetValue(_noMapGateway),
            UdpTimeout = TimeSpan.FromSeconds(result.GetValue(_udpTimeout)),
            MaxFlows = result.GetValue(_maxFlows),
            MaxPendingDials = result.GetValue(_maxPendingDials),
            TcpForwards = result.GetValue(_tcp) ?? [],
            UdpForwards = result.GetValue(_udp) ?? [],
            Outbound = result.GetValue(_outbound),
            PcapPath = result.GetValue(_pcap)?.FullName,
            Queues = result.GetValue(_queues),
            PeekOffset = !result.GetValue(_noPeekOffset),
            Verbosity = result.GetValue(_quiet) ? Verbosity.Quiet : result.GetValue(_verbose) ? Verbosity.Verbose : Verbosity.Normal,
        };
    }

    /// <summary>
    /// Parses <c>run</c>-style arguments (options, then <c>--</c> and a command) into <see cref="RunOptions"/>
    /// without running anything; every error is a <see cref="CommandFailedException"/> with <see cref="ExitCodes.Usage"/>
    /// and a one-line message. Used by the hidden modes to read back <see cref="RunOptions.ToArguments"/>, and by tests.
    /// </summary>
    public static RunOptions Parse(IReadOnlyList<string> args, IReadOnlyList<InterfaceAddress> hostPrefixes)
    {
        var set = new RunOptionSet();
        var commandArgument = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("run") { commandArgument };
        set.AddTo(command);
        ParseResult result = command.Parse([.. args]);
        if (result.Errors.Count > 0)
        {
            string message = result.UnmatchedTokens.Count > 0 ? $"unrecognized command or option '{result.UnmatchedTokens[0]}'." : result.Errors[0].Message;
            throw new CommandFailedException(NetstackCli.OneLine(message), ExitCodes.Usage);
        }
        string[] words = result.GetValue(commandArgument) ?? [];
        RunCommand.RejectOptionLikeCommand(result, words);
        return set.Bind(result, words, hostPrefixes);
    }

    private static NetAddress[] ParseAddresses(ArgumentResult result, string option)
    {
        var list = new NetAddress[result.Tokens.Count];
        for (int i = 0; i < list.Length; i++)
        {
            string text = result.Tokens[i].Value;
            if (text.Contains('%', StringComparison.Ordinal) || !System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? address)
                || text.Contains('/', StringComparison.Ordinal))
            {
                result.AddError($"{option}: '{text}' is not an IPv4 or IPv6 address.");
                return [];
            }
            list[i] = NetAddress.FromIPAddress(address);
        }
        return list;
    }

    private static PortForwardSpec[] ParseSpecs(ArgumentResult result, string option)
    {
        var list = new PortForwardSpec[result.Tokens.Count];
        for (int i = 0; i < list.Length; i++)
        {
            string text = result.Tokens[i].Value;
            if (!PortForwardSpec.TryParse(text, out PortForwardSpec? spec, out string? error))
            {
                result.AddError($"{option} '{text}': {error}.");
                return [];
            }
            list[i] = spec!;
        }
        return list;
    }

    private static OutboundProxy? ParseOutbound(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!OutboundProxy.TryParse(text, out OutboundProxy? proxy, out string? error))
        {
            result.AddError($"--outbound: {error}.");
            return null;
        }
        return proxy;
    }
}
