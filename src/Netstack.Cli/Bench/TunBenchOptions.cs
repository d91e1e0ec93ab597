using System.Net;
using Netstack.Stack;

namespace Netstack.Cli.Bench;

/// <summary>The parsed options of <c>netstack bench --tun</c>: our stack on a TUN device as an iperf3 server or client.</summary>
public sealed record TunBenchOptions
{
    public required string Tun { get; init; }

    public required InterfaceAddress[] Addresses { get; init; }

    /// <summary>Serve stock <c>iperf3 -c</c> clients (otherwise drive the iperf3 server at <see cref="Client"/>).</summary>
    public bool Server { get; init; }

    public IPAddress? Client { get; init; }

    public ushort Port { get; init; } = 5201;

    /// <summary>Client mode: the server sends (iperf3 -R).</summary>
    public bool Reverse { get; init; }

    public int Streams { get; init; } = 1;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Client mode: whole seconds at the start that neither side counts (iperf3 -O).</summary>
    public int OmitSeconds { get; init; }

    /// <summary>Server mode: exit after one test (iperf3 -1).</summary>
    public bool OneOff { get; init; }

    /// <summary>The device MTU to set; null leaves it as it is.</summary>
    public int? Mtu { get; init; }

    public int Queues { get; init; } = 1;

    public bool Gso { get; init; } = true;

    public bool Gro { get; init; } = true;

    /// <summary>IFF_VNET_HDR, so 64 KiB super-segments cross the device whole (kernel GSO/GRO): null probes it, true requires it, false leaves it off.</summary>
    public bool? VirtioNetHeader { get; init; }

    public bool Json { get; init; }
}
