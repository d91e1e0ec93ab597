using System.Globalization;

namespace Netstack.Cli.Run;

/// <summary>
/// The options of <c>netstack run</c> and <c>netstack attach</c>, parsed, validated and with the namespace's
/// addresses resolved (<see cref="AddressPlanner"/>). Immutable; <see cref="ToArguments"/> writes it back as
/// command-line options that parse to the same values (how the root forwarder passes it across its re-exec).
/// </summary>
public sealed record RunOptions
{
    /// <summary>The default MTU of the namespace's device: large, so the namespace's kernel sends few, big packets (pasta's default).</summary>
    public const int DefaultMtu = 65520;

    /// <summary>
    /// The default bound on outbound TCP connects in progress at once. Each holds a host socket and a namespace SYN
    /// waiting for the answer. 1,024 is far above what a program opens at once (a browser or a parallel build
    /// opens tens), far below the usual 1,024-soft/524,288-hard descriptor limits once raised, and is the order
    /// of the kernel's own SYN backlog; a SYN beyond it is not answered, and the namespace's kernel retransmits it.
    /// </summary>
    public const int DefaultMaxPendingDials = 1024;

    /// <summary>The command to run in the namespace (<c>run</c> only; empty for <c>attach</c>): by default $SHELL, else /bin/sh.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>The MTU of the namespace's TUN device.</summary>
    public int Mtu { get; init; } = DefaultMtu;

    /// <summary>The namespace's addresses, gateways and DNS addresses.</summary>
    public required NamespaceAddresses Addresses { get; init; }

    /// <summary>Whether the gateway addresses stand for the host's loopback (127.0.0.1, ::1); <c>--no-map-gw</c> turns it off.</summary>
    public bool MapGateway { get; init; } = true;

    /// <summary>How long a UDP flow may be idle before its host socket is closed.</summary>
    public TimeSpan UdpTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>The most forwarded flows (TCP connections and UDP flows) at once.</summary>
    public int MaxFlows { get; init; } = 65536;

    /// <summary>The most outbound TCP connects in progress at once (<see cref="DefaultMaxPendingDials"/>).</summary>
    public int MaxPendingDials { get; init; } = DefaultMaxPendingDials;

    /// <summary>Inbound TCP forwards (<c>-t</c>).</summary>
    public IReadOnlyList<PortForwardSpec> TcpForwards { get; init; } = [];

    /// <summary>Inbound UDP forwards (<c>-u</c>).</summary>
    public IReadOnlyList<PortForwardSpec> UdpForwards { get; init; } = [];

    /// <summary>The SOCKS5 server outbound traffic goes through, or null for direct host sockets.</summary>
    public OutboundProxy? Outbound { get; init; }

    /// <summary>Where to write what crosses the TUN device, or null.</summary>
    public string? PcapPath { get; init; }

    /// <summary>TUN queues (descriptors and dispatcher threads).</summary>
    public int Queues { get; init; } = 1;

    /// <summary>Whether host-to-namespace TCP peeks at the host socket with SO_PEEK_OFF (<c>--no-peek-off</c> turns it off).</summary>
    public bool PeekOffset { get; init; } = true;

    /// <summary>What to print.</summary>
    public Verbosity Verbosity { get; init; } = Verbosity.Normal;

    /// <summary>True when a forward listens on a host port below 1024 (the forwarder then keeps CAP_NET_BIND_SERVICE).</summary>
    public bool NeedsPrivilegedPorts => TcpForwards.Concat(UdpForwards).Any(f => f.HostFirst < 1024);

    /// <summary>The options as command-line arguments (every value explicit, then <c>--</c> and the command).</summary>
    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string> { "--mtu", Invariant(Mtu) };
        NamespaceAddresses a = Addresses;
        foreach (var address in new[] { a.Address4, a.Address6 })
        {
            if (address is not null)
            {
                args.AddRange(["--address", address.Value.ToString()]);
            }
        }
        foreach (var gateway in new[] { a.Gateway4, a.Gateway6 })
        {
            if (gateway is not null)
            {
                args.AddRange(["--gateway", gateway.Value.ToString()]);
            }
        }
        foreach (var dns in new[] { a.Dns4, a.Dns6 })
        {
            if (dns is not null)
            {
                args.AddRange(["--dns-forward", dns.Value.ToString()]);
            }
        }
        if (!MapGateway)
        {
            args.Add("--no-map-gw");
        }
        args.AddRange(["--udp-timeout", Invariant((long)UdpTimeout.TotalSeconds), "--max-flows", Invariant(MaxFlows),
            "--max-pending-dials", Invariant(MaxPendingDials), "--queues", Invariant(Queues)]);
        foreach (PortForwardSpec spec in TcpForwards)
        {
            args.AddRange(["-t", spec.ToString()]);
        }
        foreach (PortForwardSpec spec in UdpForwards)
        {
            args.AddRange(["-u", spec.ToString()]);
        }
        if (Outbound is not null)
        {
            args.AddRange(["--outbound", Outbound.ToString()]);
        }
        if (PcapPath is not null)
        {
            args.AddRange(["--pcap", PcapPath]);
        }
        if (!PeekOffset)
        {
            args.Add("--no-peek-off");
        }
        if (Verbosity != Verbosity.Normal)
        {
            args.Add(Verbosity == Verbosity.Quiet ? "--quiet" : "--verbose");
        }
        if (Command.Count > 0)
        {
            args.Add("--");
            args.AddRange(Command);
        }
        return args;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
