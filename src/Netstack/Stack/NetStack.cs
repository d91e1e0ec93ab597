using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Network;
using Netstack.Sockets;
using Netstack.Transport.Tcp;
using Netstack.Transport.Udp;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// A userspace TCP/IP stack: the composition root that owns the interfaces (links with addresses), the route
/// table, the transport handlers, port allocation, the timer wheel, the clock and the statistics.
/// </summary>
/// <remarks>
/// The stack is the <see cref="INetworkDispatcher"/> of every link added to it. Each inbound batch runs to
/// completion on the link's dispatcher thread; whatever the stack sends while doing so (ACKs, echo replies,
/// ICMP errors) is handed down with an explicit <see cref="TransmitContext"/> naming that batch's
/// <see cref="OutboundBatch"/>, and written to each link once at the end of the batch. Sends from timers and
/// applications go to the link at once (a connection's through its ordered <see cref="TransmitQueue"/>). All time comes from
/// <see cref="NetStackOptions.TimeProvider"/>, all timers sit in <see cref="Timers"/>.
/// </remarks>
public sealed partial class NetStack : INetworkDispatcher, IDisposable, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private NetInterface[] _interfaces = [null!]; // index = interface id; id 0 is "none"
    private readonly RouteTable _routes = new();
    private readonly ITransportHandler?[] _transports = new ITransportHandler?[256];
    private bool _disposed;
    private readonly bool _ownsMeter; // false when NetStackOptions.MeterFactory made it: the factory owns and disposes it

    /// <summary>
    /// A stack with no interfaces yet, configured by <paramref name="options"/> (defaults when null): IPv4, IPv6, UDP
    /// and (unless <see cref="NetStackOptions.EnableTcp"/> is off) TCP are registered, statistics are published on
    /// <see cref="Meter"/> (from <see cref="NetStackOptions.MeterFactory"/>, or the stack's own), and the secret for ephemeral ports and ISNs is drawn (from the seed when one is given).
    /// </summary>
    public NetStack(NetStackOptions? options = null)
    {
        Options = options ?? new NetStackOptions();
        TimeProvider = Options.TimeProvider ?? TimeProvider.System;
        Pool = Options.Pool ?? new PacketPool();
        Secret = StackSecret.Create(Options.RandomSeed);
        Ports = new PortManager(Secret);
        IpIdentification = new IpIdentification(Secret);
        Timers = new TimerWheel(TimeProvider);
        if (Options.MeterFactory is IMeterFactory factory)
        {
            Meter = factory.Create(new MeterOptions(Options.MeterName));
        }
        else
        {
            Meter = new Meter(Options.MeterName);
            _ownsMeter = true;
        }
        LoggerFactory = Options.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger(StackLog.Category);
        Statistics = new NetStackStatistics();
        Statistics.Register(Meter);
        Ipv4 = new Ipv4Layer(this);
        Ipv6 = new Ipv6Layer(this);
        Udp = GetOrAddTransport(static s => new UdpProtocol(s)); // always present, so closed ports answer port unreachable
        if (Options.EnableTcp)
        {
            TcpProtocol.For(this); // likewise, so a SYN to a closed port is answered with RST (RFC 9293 §3.10.7.1)
        }
    }

    /// <summary>Where the stack's parts get their loggers (<see cref="NetStackOptions.LoggerFactory"/>, or the null factory).</summary>
    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>The logger of the stack's own events (<see cref="StackLog"/>).</summary>
    internal ILogger Logger { get; }

    /// <summary>The options the stack was created with (defaults when none were given).</summary>
    public NetStackOptions Options { get; }

    /// <summary>The super-segment size TCP may use when the stack segments in software (<see cref="NetStackOptions.Gso"/>).</summary>
    public const int SoftwareGsoMaxSize = 65535;

    /// <summary>The clock of every timer and timestamp in the stack (<see cref="NetStackOptions.TimeProvider"/>).</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The packet buffer pool the stack and its links allocate from (<see cref="NetStackOptions.Pool"/>, or a new one).</summary>
    public PacketPool Pool { get; }

    internal TimerWheel Timers { get; }

    /// <summary>
    /// The meter the stack's counters are published on as observable instruments (<c>netstack.ip.*</c>,
    /// <c>netstack.tcp.*</c> …, listed in the README), named <see cref="NetStackOptions.MeterName"/>. Made by
    /// <see cref="NetStackOptions.MeterFactory"/> when one is set (which then owns it); otherwise the stack's own,
    /// disposed with the stack.
    /// </summary>
    public Meter Meter { get; }

    internal PortManager Ports { get; }

    /// <summary>The protocol counters the packet path increments; read them with <see cref="GetStatistics"/>.</summary>
    internal NetStackStatistics Statistics { get; }

    /// <summary>
    /// A snapshot of every protocol counter (IP, IPv6, ICMP, ICMPv6, UDP, TCP, software offloads), named as Linux
    /// <c>netstat -s</c>. Each call reads the counters anew; the snapshot does not change afterwards.
    /// </summary>
    public NetStackStatisticsSnapshot GetStatistics() =>
        new(Statistics, (GetTransport(TcpProtocol.ProtocolNumber) as TcpProtocol)?.Statistics);

    /// <summary>
    /// The stack's one secret (from the OS CSPRNG, or from <see cref="NetStackOptions.RandomSeed"/>), from which every keyed
    /// hash takes its own key: ephemeral ports, TCP ISNs, timestamp offsets and SYN cookies, IP identifications.
    /// </summary>
    internal StackSecret Secret { get; }

    /// <summary>The IPv4 and IPv6 identification counters (keyed by <see cref="Secret"/>).</summary>
    internal IpIdentification IpIdentification { get; }

    /// <summary>The UDP protocol handler (registered at construction).</summary>
    internal UdpProtocol Udp { get; }

    internal Ipv4Layer Ipv4 { get; }

    internal Ipv6Layer Ipv6 { get; }

    /// <summary>The first interface's link of type <typeparamref name="T"/>, if any.</summary>
    internal T? FindLink<T>() where T : class, ILinkEndpoint
    {
        foreach (NetInterface? nic in Volatile.Read(ref _interfaces))
        {
            if (nic?.Link is T link)
            {
                return link;
            }
        }
        return null;
    }

    /// <summary>Adds an interface on <paramref name="link"/>. Each <see cref="IPNetwork"/> must be a host address (/32 or /128), because
    /// <see cref="IPNetwork"/> clears host bits; use the <see cref="InterfaceAddress"/> overload ("10.9.0.2/24") for an address with its subnet.</summary>
    public int AddInterface(ILinkEndpoint link, params IPNetwork[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var converted = new InterfaceAddress[addresses.Length];
        for (int i = 0; i < addresses.Length; i++)
        {
            NetAddress a = NetAddress.FromIPAddress(addresses[i].BaseAddress);
            int width = a.IsV6 ? 128 : 32;
            if (addresses[i].PrefixLength != width && a == a.Mask(addresses[i].PrefixLength))
            {
                throw new ArgumentException(
                    $"{addresses[i]} is a network, not an address: IPNetwork clears the host bits. Pass an InterfaceAddress such as \"10.9.0.2/24\".",
                    nameof(addresses));
            }
            converted[i] = new InterfaceAddress(a, addresses[i].PrefixLength);
        }
        return AddInterface(link, converted);
    }

    /// <summary>Adds an interface on <paramref name="link"/> with addresses like "10.9.0.2/24"; adds their on-link routes and attaches the link. Returns the interface id (from 1).</summary>
    public int AddInterface(ILinkEndpoint link, params InterfaceAddress[] addresses)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(addresses);
        NetInterface nic;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            nic = new NetInterface(_interfaces.Length, link);
            Volatile.Write(ref _interfaces, [.. _interfaces, nic]);
        }
        foreach (InterfaceAddress a in addresses)
        {
            AddAddress(nic.Id, a);
        }
        link.Attach(this);
        if (link is TunLink tun)
        {
            tun.Statistics.Register(Meter, new KeyValuePair<string, object?>("network.interface.name", tun.Name));
        }
        return nic.Id;
    }

    /// <summary>Assigns another address to an interface and adds its on-link route.</summary>
    public void AddAddress(int interfaceId, InterfaceAddress address)
    {
        NetInterface nic = GetInterface(interfaceId) ?? throw new ArgumentOutOfRangeException(nameof(interfaceId));
        nic.AddAddress(address);
        _routes.Add(address.Address, address.PrefixLength, interfaceId, default);
    }

    /// <summary>Adds a route; a prefix length of 0 is a default route. Without a gateway the destination is on-link.</summary>
    public void AddRoute(IPNetwork destination, int interfaceId, IPAddress? gateway = null)
    {
        if (GetInterface(interfaceId) is null)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId));
        }
        NetAddress prefix = NetAddress.FromIPAddress(destination.BaseAddress);
        NetAddress hop = gateway is null ? default : NetAddress.FromIPAddress(gateway);
        if (gateway is not null && hop.IsV6 != prefix.IsV6)
        {
            throw new ArgumentException("The gateway's family differs from the destination's.", nameof(gateway));
        }
        _routes.Add(prefix, destination.PrefixLength, interfaceId, hop);
    }

    /// <summary>Looks up the longest-prefix route to <paramref name="destination"/> and picks the source address.</summary>
    public bool TryFindRoute(NetAddress destination, out RouteInfo route)
    {
        if (_routes.TryLookup(destination, out RouteTable.Entry entry) && GetInterface(entry.InterfaceId) is NetInterface nic
            && nic.TrySelectSource(entry.Gateway.IsUnspecified ? destination : entry.Gateway, out NetAddress source))
        {
            ILinkEndpoint link = nic.Link;
            LinkCapabilities capabilities = link.Capabilities;
            int gsoMaxSize = link.GsoMaxSize;
            // Software GSO: the stack accepts super-segments the link cannot take and splits them right before it.
            if (SegmentsInSoftware(link, GsoType.TcpV4))
            {
                capabilities |= LinkCapabilities.Gso;
                gsoMaxSize = SoftwareGsoMaxSize;
            }
            if (SegmentsInSoftware(link, GsoType.UdpL4))
            {
                capabilities |= LinkCapabilities.UdpGso;
                gsoMaxSize = SoftwareGsoMaxSize;
            }
            // An IP packet's length field is 16 bits: a super-segment can be at most 65535 bytes whatever the link accepts.
            route = new RouteInfo(nic.Id, source, entry.Gateway.IsUnspecified ? destination : entry.Gateway, link.Mtu, Math.Min(gsoMaxSize, 65535), capabilities);
            return true;
        }
        route = default;
        return false;
    }

    /// <summary>
    /// Delivers unicast packets to any destination address as if it were local, and lets replies use that
    /// address as their source (gVisor's promiscuous mode with spoofing). A TCP forwarder
    /// (<c>ForwardTcp</c>) turns it on so that it sees connections to every address; user-mode networking
    /// relies on it. Off by default: an ordinary host drops packets that are not addressed to it.
    /// </summary>
    public bool AcceptAnyDestination
    {
        get => _acceptAnyDestination || Volatile.Read(ref _forwarders) > 0;
        set => _acceptAnyDestination = value;
    }

    private bool _acceptAnyDestination;
    private int _forwarders;

    /// <summary>Where echo requests to other hosts go when set (see <see cref="ForwardingExtensions.ForwardIcmpEcho"/>).</summary>
    internal IcmpEchoForwarder? EchoForwarder => Volatile.Read(ref EchoForwarderSlot);

    internal IcmpEchoForwarder? EchoForwarderSlot;

    /// <summary>A forwarder opened: packets to any destination are accepted while at least one is open.</summary>
    internal void EnterForwarding() => Interlocked.Increment(ref _forwarders);

    internal void ExitForwarding() => Interlocked.Decrement(ref _forwarders);

    /// <summary>
    /// Sends ICMP destination unreachable about <paramref name="offending"/> (an IP datagram from its header on), as
    /// a router would on the way to its destination: a forwarder's answer to a connection it cannot carry.
    /// </summary>
    internal void SendDestinationUnreachable(ReadOnlySpan<byte> offending, bool isV6, TcpForwarderUnreachable reason)
    {
        if (isV6)
        {
            byte code = reason switch
            {
                TcpForwarderUnreachable.Network => IcmpV6Code.NoRoute,
                TcpForwarderUnreachable.Prohibited => IcmpV6Code.AdministrativelyProhibited,
                _ => IcmpV6Code.AddressUnreachable,
            };
            Ipv6.Icmp.SendError(offending, IcmpV6Type.DestinationUnreachable, code, 0, multicastDestination: false, TransmitContext.Immediate);
        }
        else
        {
            byte code = reason switch
            {
                TcpForwarderUnreachable.Network => IcmpV4Code.NetUnreachable,
                TcpForwarderUnreachable.Prohibited => IcmpV4Code.AdministrativelyProhibited,
                _ => IcmpV4Code.HostUnreachable,
            };
            Ipv4.Icmp.SendError(offending, IcmpV4Type.DestinationUnreachable, code, 0, TransmitContext.Immediate);
        }
    }

    /// <summary>Whether <paramref name="address"/> is assigned to any interface of the stack.</summary>
    public bool IsLocalAddress(NetAddress address)
    {
        NetInterface[] nics = Volatile.Read(ref _interfaces);
        for (int i = 1; i < nics.Length; i++)
        {
            if (nics[i].HasAddress(address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Returns the stack's handler of type <typeparamref name="T"/>, creating and registering it for its protocol on first use.</summary>
    internal T GetOrAddTransport<T>(Func<NetStack, T> factory) where T : class, ITransportHandler
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (_lock)
        {
            foreach (ITransportHandler? h in _transports)
            {
                if (h is T existing)
                {
                    return existing;
                }
            }
            T created = factory(this);
            if (_transports[created.Protocol] is not null)
            {
                throw new InvalidOperationException($"Protocol {created.Protocol} already has a handler.");
            }
            Volatile.Write(ref _transports[created.Protocol], created);
            return created;
        }
    }

    internal ITransportHandler? GetTransport(byte protocol) => Volatile.Read(ref _transports[protocol]);

    internal NetInterface? GetInterface(int id)
    {
        NetInterface[] nics = Volatile.Read(ref _interfaces);
        return id > 0 && id < nics.Length ? nics[id] : null;
    }

    /// <summary>
    /// Sends a transport datagram: <paramref name="packet"/> holds the transport header and payload with headroom in
    /// front; the stack prepends the IP header, fragments it if it exceeds the route's MTU (a GSO super-segment
    /// passes whole to a link with <see cref="LinkCapabilities.Gso"/>), and writes it to the route's interface.
    /// Takes the packet's reference in every case.
    /// </summary>
    /// <remarks>
    /// Offload offsets: for a packet with <see cref="OffloadInfo.NeedsChecksum"/> or a GSO type, the transport sets
    /// <see cref="OffloadInfo.HeaderLength"/> to its own header length and <see cref="OffloadInfo.ChecksumStart"/> to 0
    /// (relative to the transport header), <see cref="OffloadInfo.ChecksumOffset"/> to its checksum field (16 for TCP,
    /// 6 for UDP), and the pseudo-header sum in that field; this method adds the IP header length to both, so the
    /// link sees virtio_net_hdr offsets from the start of the IP packet. TCP is never fragmented (DF, RFC 1191):
    /// above the MTU without GSO it is dropped, counted in FragFails, and <see cref="SocketError.MessageSize"/> returned.
    /// The packet is written at once, on the calling thread; inside the stack, transports pass a
    /// <see cref="TransmitContext"/> instead (a connection's queue or the dispatcher's batch).
    /// </remarks>
    /// <returns><see cref="SocketError.Success"/>, or why the datagram was dropped: <see cref="SocketError.MessageSize"/>
    /// (too big for the MTU and may not be fragmented), <see cref="SocketError.NetworkUnreachable"/> (no such interface),
    /// <see cref="SocketError.NoBufferSpaceAvailable"/> (no room for headers).</returns>
    public SocketError SendTransport(PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, in RouteInfo route)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return SendTransport(packet, source, destination, protocol, route, TransmitContext.Immediate);
    }

    /// <summary>
    /// Like the public overload, with the packet going where <paramref name="tx"/> says, carrying <paramref name="ecn"/>
    /// and the type of service (IPv6: traffic class) bits above it in its IP header; a TCP segment over IPv4 goes
    /// without Don't Fragment when <paramref name="dontFragment"/> is false.
    /// </summary>
    internal SocketError SendTransport(PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, in RouteInfo route, in TransmitContext tx, EcnCodepoint ecn = EcnCodepoint.NotEct, byte typeOfService = 0, bool dontFragment = true) =>
        destination.IsV6
            ? Ipv6.Send(packet, source, destination, protocol, route, tx, ecn: ecn, typeOfService: typeOfService)
            : Ipv4.Send(packet, source, destination, protocol, route, tx, ecn: ecn, typeOfService: typeOfService, tcpDontFragment: dontFragment);

    /// <summary>
    /// Stops the timers and closes every socket and protocol. The links are the caller's: dispose them first, so no
    /// batch arrives while the stack goes.
    /// </summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            Timers.Dispose();
            DisposeProtocols();
        }
    }

    /// <summary>Like <see cref="Dispose"/>, and completes only once no timer callback of the stack is still running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose())
        {
            await Timers.DisposeAsync().ConfigureAwait(false);
            DisposeProtocols();
        }
    }

    private bool BeginDispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
            _disposed = true;
            return true;
        }
    }

    private void DisposeProtocols()
    {
        Ipv4.Dispose();
        Ipv6.Dispose();
        foreach (ITransportHandler? h in _transports)
        {
            (h as IDisposable)?.Dispose();
        }
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }
}
