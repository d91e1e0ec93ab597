using System.CommandLine;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Cli.Commands;

/// <summary>
/// <c>netstack echo</c>: attaches the stack to a TUN device and serves the echo protocol (RFC 862) over TCP and
/// UDP, and answers pings, until SIGINT or SIGTERM.
/// </summary>
public static class EchoCommand
{
    public static Command Create()
    {
        var tun = new Option<string>("--tun")
        {
            Description = "The TUN device to attach to (created when missing).",
            HelpName = "NAME",
            Required = true,
        };
        tun.Validators.Add(result =>
        {
            string? name = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (name is not null && !IsValidInterfaceName(name))
            {
                result.AddError($"'{name}' is not a valid interface name (1-15 characters, no '/', ':' or whitespace).");
            }
        });

        var address = new Option<InterfaceAddress[]>("--address")
        {
            Description = "An address of the stack with its prefix length, e.g. 10.0.0.2/24 or fd00::2/64 (repeatable).",
            HelpName = "CIDR",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = OptionParsers.ParseInterfaceAddresses,
        };

        var port = new Option<int>("--port")
        {
            Description = "The TCP and UDP port to serve echo on.",
            HelpName = "PORT",
            DefaultValueFactory = _ => 7,
            CustomParser = OptionParsers.IntegerInRange("--port", 1, 65535),
        };

        var mtu = new Option<int>("--mtu")
        {
            Description = "Set the device's MTU (default: leave the device's MTU as it is).",
            HelpName = "BYTES",
            CustomParser = OptionParsers.IntegerInRange("--mtu", 68, 65535),
        };

        var pcap = new Option<FileInfo?>("--pcap")
        {
            Description = "Write every packet the stack sends and receives to this pcap file.",
            HelpName = "FILE",
        };

        var vnet = new VnetHdrOptions();

        var command = new Command("echo", "Serve TCP and UDP echo and answer pings on a TUN device until interrupted.")
        {
            tun, address, port, mtu, pcap, vnet.Require, vnet.Refuse,
        };
        command.Validators.Add(result =>
        {
            if (vnet.Conflict(result) is string conflict)
            {
                result.AddError(conflict);
            }
        });
        command.SetAction(parseResult => Run(new EchoOptions(
            parseResult.GetRequiredValue(tun),
            parseResult.GetRequiredValue(address),
            (ushort)parseResult.GetValue(port),
            parseResult.GetResult(mtu) is null ? null : parseResult.GetValue(mtu),
            parseResult.GetValue(pcap)?.FullName,
            vnet.Value(parseResult)), parseResult.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>Linux interface names (dev_valid_name); the same rule <see cref="Netstack.Link.TunLink"/> enforces.</summary>
    public static bool IsValidInterfaceName(string name) => Netstack.Link.TunLink.IsValidName(name);

    private static int Run(EchoOptions options, TextWriter output)
    {
        using var shutdown = new ShutdownSignal();
        using TunLink tun = TunOpener.Open("echo", options.Tun, options.Mtu, virtioNetHeader: options.VirtioNetHeader);
        using ILinkEndpoint link = options.PcapPath is null ? tun : OpenCapture(tun, options.PcapPath);
        using var stack = new NetStack();
        stack.AddInterface(link, options.Addresses);

        EchoServer server;
        try
        {
            server = new EchoServer(stack, options.Port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CommandFailedException($"echo: cannot listen on port {options.Port}: {e.Message}", e);
        }
        using (server)
        {
            Task serving = server.RunAsync(shutdown.Token);

            // One line a script can wait for: from here on the device can be configured and used.
            output.WriteLine($"echo: ready on {tun.Name} (mtu {tun.Mtu}{(tun.VirtioNetHeader ? ", vnet_hdr" : "")}), {string.Join(", ", options.Addresses)}, port {options.Port}");
            output.Flush();

            serving.GetAwaiter().GetResult();
        }

        // The link first (and the capture with it): its dispatcher threads stop before the stack goes away.
        link.Dispose();
        TunLinkStatisticsSnapshot counters = tun.GetStatistics();
        output.WriteLine($"echo: stopped by {shutdown.Received}; {server.TcpConnections} TCP connections, {server.UdpDatagrams} UDP datagrams, " +
            $"rx {counters.RxPackets} packets, tx {counters.TxPackets} packets");
        return ExitCodes.Success;
    }

    private static PcapSniffer OpenCapture(TunLink tun, string path)
    {
        try
        {
            return new PcapSniffer(tun, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"echo: cannot write the capture '{path}': {e.Message}", e);
        }
    }
}

/// <summary>The parsed options of <c>netstack echo</c>.</summary>
public sealed record EchoOptions(string Tun, InterfaceAddress[] Addresses, ushort Port, int? Mtu, string? PcapPath, bool? VirtioNetHeader = null);
