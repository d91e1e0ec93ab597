using Microsoft.Extensions.Logging;
using Netstack.Buffers;

namespace Netstack.Stack;

/// <summary>Settings of a <see cref="NetStack"/>.</summary>
public sealed class NetStackOptions
{
    /// <summary>The clock for every timer and timestamp of the stack; tests inject a manual one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The packet pool; a new private pool when null.</summary>
    public PacketPool? Pool { get; set; }

    /// <summary>
    /// Seeds the stack's secret, from which every keyed hash derives its key (ephemeral ports, TCP initial sequence
    /// numbers, timestamp offsets and SYN cookies, IP identifications), for reproducible runs. Null (the default): the
    /// secret comes from the operating system's cryptographic random number generator, as it must outside tests.
    /// </summary>
    public int? RandomSeed { get; set; }

    /// <summary>Default TTL / hop limit of outgoing datagrams (Linux <c>ip_default_ttl</c> 64).</summary>
    public byte DefaultTtl { get; set; } = 64;

    /// <summary>ICMP error messages allowed per second (Linux <c>icmp_msgs_per_sec</c> 1000).</summary>
    public int IcmpRateLimitPerSecond { get; set; } = 1000;

    /// <summary>ICMP error burst (Linux <c>icmp_msgs_burst</c> 50).</summary>
    public int IcmpRateLimitBurst { get; set; } = 50;

    /// <summary>Bytes the reassembly queues may hold before the oldest are evicted (Linux <c>ipfrag_high_thresh</c> 4 MiB).</summary>
    public int ReassemblyMemoryLimit { get; set; } = 4 * 1024 * 1024;

    /// <summary>The default of <see cref="TcpReceiveMemoryLimit"/>: 256 MiB.</summary>
    public const long DefaultTcpReceiveMemoryLimit = 256L << 20;

    /// <summary>The default of <see cref="TcpReceiveMemoryMinimum"/>: 128 KiB, two 64 KiB super-segments.</summary>
    public const long DefaultTcpReceiveMemoryMinimum = 128L << 10;

    /// <summary>The default of <see cref="UdpReceiveMemoryLimit"/>: 64 MiB.</summary>
    public const long DefaultUdpReceiveMemoryLimit = 64L << 20;

    /// <summary>
    /// Bytes of packet buffers the TCP receive and out-of-order queues of all connections may hold together (Linux
    /// <c>tcp_mem</c>), counted by the size of the blocks held, not the payload in them. Each connection may also hold
    /// at most twice its receive buffer. Over either limit a connection prunes its out-of-order queue from the highest
    /// sequence down, then drops the segment; while the stack is at its limit no connection opens its window further.
    /// </summary>
    public long TcpReceiveMemoryLimit { get; set; } = DefaultTcpReceiveMemoryLimit;

    /// <summary>
    /// Bytes of in-order data every TCP connection may hold even when the stack is at <see cref="TcpReceiveMemoryLimit"/>
    /// (Linux <c>tcp_rmem[0]</c>), so that each connection still makes progress whatever the others hold.
    /// </summary>
    public long TcpReceiveMemoryMinimum { get; set; } = DefaultTcpReceiveMemoryMinimum;

    /// <summary>
    /// Bytes of packet buffers the receive queues of all UDP sockets may hold together (Linux <c>udp_mem</c>), counted by
    /// the size of the blocks held; a datagram beyond it is dropped and counted in <c>Udp.MemErrors</c>. Each socket is
    /// also bounded by its own <c>ReceiveBufferSize</c>.
    /// </summary>
    public long UdpReceiveMemoryLimit { get; set; } = DefaultUdpReceiveMemoryLimit;

    /// <summary>IPv4 reassembly timeout (Linux <c>ipfrag_time</c> 30 s).</summary>
    public TimeSpan Ipv4ReassemblyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>IPv6 reassembly timeout (RFC 8200 §4.5: 60 s).</summary>
    public TimeSpan Ipv6ReassemblyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Coalesce inbound TCP segments of one flow within each batch before IP sees them (software GRO, Linux
    /// <c>tcp_gro_receive</c> rules), so TCP runs once per merged packet. On by default.
    /// </summary>
    public bool Gro { get; set; } = true;

    /// <summary>
    /// Let TCP build super-segments of up to 64 KiB even on a link without <see cref="Link.LinkCapabilities.Gso"/>,
    /// and split them into MSS-sized packets in software right before the link (software GSO). On by default; applies to
    /// IP links (no link header), where routes then advertise <see cref="Link.LinkCapabilities.Gso"/> with
    /// <see cref="NetStack.SoftwareGsoMaxSize"/>.
    /// </summary>
    public bool Gso { get; set; } = true;

    /// <summary>
    /// Whether the stack's own TCP is registered at construction (the default), so that closed ports answer
    /// SYNs with RST. Turn it off only to register a different handler for protocol 6.
    /// </summary>
    public bool EnableTcp { get; set; } = true;

    /// <summary>
    /// Name of the <see cref="System.Diagnostics.Metrics.Meter"/> the statistics are published on (<see cref="NetStack.Meter"/>):
    /// enable it by this name in <c>dotnet-counters</c> or an OpenTelemetry <c>AddMeter</c>. Stacks in one process that
    /// share the name publish instruments of the same names; give each its own name to tell them apart.
    /// </summary>
    public string MeterName { get; set; } = "Netstack";

    /// <summary>
    /// Where the stack gets its <see cref="System.Diagnostics.Metrics.Meter"/> (for example the one dependency injection
    /// provides); the factory then owns the meter and disposes it. Null (the default): the stack creates its own meter
    /// and disposes it with itself.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Where the stack logs (categories <c>Netstack.Stack</c>, <c>Netstack.Tcp</c>, <c>Netstack.Forwarding</c>): TCP
    /// connections established and ended with their four-tuple and forwarded flows opened and closed at Debug, every
    /// dropped packet with its reason at Trace, failures (a link that stops, a limit hit) at Warning. Nothing is logged
    /// per packet below Trace, and a disabled level costs no allocation. Null (the default): nothing is logged
    /// (<see cref="Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory"/>).
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
