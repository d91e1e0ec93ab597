using System.Net;
using System.Net.Sockets;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli.Run;

/// <summary>
/// Serves the namespace: what <paramref name="stack"/> terminates goes to host sockets through a
/// <see cref="HostForwarder"/> (the gateway stands for the host's loopback, the DNS address for the host's resolver),
/// and the <c>-t</c>/<c>-u</c> host ports are forwarded in. Called by <see cref="ForwarderSession"/> with the stack
/// attached to the namespace's TUN device, its interface holding the gateway address(es).
/// </summary>
public static class ForwarderHost
{
    private const string ResolvConf = "/etc/resolv.conf";

    /// <summary>Serves until <paramref name="ct"/> is cancelled (then returns normally); a host port that cannot be bound fails with one line.</summary>
    public static async Task ServeAsync(NetStack stack, TunLink link, RunOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        string verb = options.Command.Count > 0 ? "run" : "attach";
        // Run host-socket continuations on the runtime's epoll thread instead of handing each to the thread pool: the
        // relays only move a datagram or a burst into the stack, and a hop less per packet is measurably lower
        // ping-pong latency (bench/usermode.sh). Read once, when the first socket is registered, so it must be set
        // before any: the namespace's command was started earlier and does not inherit it.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        void Warn(string line)
        {
            if (options.Verbosity != Verbosity.Quiet)
            {
                Console.Error.WriteLine($"{verb}: {line}");
            }
        }

        NamespaceAddresses a = options.Addresses;
        DestinationMap map = BuildMap(stack, a, options.MapGateway, Warn);
        IOutboundDialer dialer = options.Outbound is OutboundProxy proxy ? Socks5Dialer.FromUrl(proxy.ToString()) : new DirectDialer();
        await using HostForwarder forwarder = HostForwarder.Start(stack, new HostForwarderOptions
        {
            Dialer = dialer,
            Map = map,
            UdpIdleTimeout = options.UdpTimeout,
            MaxPendingDials = options.MaxPendingDials,
            MaxFlows = options.MaxFlows,
            PeekOffset = options.PeekOffset, // used only where the kernel has SO_PEEK_OFF on TCP
            // With --verbose the stack's logger prints the forwarder's warnings already (at Warning).
            Warn = options.Verbosity == Verbosity.Verbose ? null : Warn,
        });
        var target = new InboundTarget(a.Address4?.Address.ToIPAddress(), a.Address6?.Address.ToIPAddress(), a.Gateway4?.ToIPAddress(), a.Gateway6?.ToIPAddress());
        var inbound = new List<IAsyncDisposable>();
        try
        {
            foreach (PortForwardSpec spec in options.TcpForwards)
            {
                for (int i = 0; i < spec.Count; i++)
                {
                    Socket listener = Listen(verb, spec.Address, spec.HostFirst + i, SocketType.Stream, ProtocolType.Tcp);
                    inbound.Add(InboundTcpForward.Start(stack, listener, target, spec.NamespaceFirst + i, forwarder));
                }
            }
            foreach (PortForwardSpec spec in options.UdpForwards)
            {
                for (int i = 0; i < spec.Count; i++)
                {
                    Socket host = Listen(verb, spec.Address, spec.HostFirst + i, SocketType.Dgram, ProtocolType.Udp);
                    inbound.Add(InboundUdpForward.Start(stack, host, target, spec.NamespaceFirst + i,
                        new HostForwarderOptions { Dialer = dialer, UdpIdleTimeout = options.UdpTimeout, MaxFlows = options.MaxFlows }, forwarder));
                }
            }
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            long poolBytes = stack.Pool.CreatedBytes;
            long packets = TunPackets(link.GetStatistics());
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (options.Verbosity == Verbosity.Verbose)
            {
                TunLinkStatisticsSnapshot tun = link.GetStatistics(); // snapshots are structs: nothing allocated here
                Report(verb, forwarder.GetStatistics(), tun, GC.GetTotalAllocatedBytes(precise: true) - allocated,
                    stack.Pool.CreatedBytes - poolBytes, TunPackets(tun) - packets);
            }
        }
        finally
        {
            foreach (IAsyncDisposable forward in inbound)
            {
                await forward.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The gateways stand for the host's loopback (unless <c>--no-map-gw</c>); the DNS addresses answer pings
    /// themselves and carry port 53 to the first nameserver of the host's resolv.conf.
    /// </summary>
    private static DestinationMap BuildMap(NetStack stack, NamespaceAddresses a, bool mapGateway, Action<string> warn)
    {
        var map = new DestinationMap();
        if (mapGateway)
        {
            if (a.Gateway4 is NetAddress g4)
            {
                map.MapAddress(g4.ToIPAddress(), IPAddress.Loopback);
            }
            if (a.Gateway6 is NetAddress g6)
            {
                map.MapAddress(g6.ToIPAddress(), IPAddress.IPv6Loopback);
            }
        }
        IPAddress? resolver = null;
        try
        {
            resolver = DestinationMap.FirstNameserver(File.ReadAllText(ResolvConf));
        }
        catch (IOException e)
        {
            warn($"cannot read {ResolvConf} ({e.Message}): the DNS address answers no queries");
        }
        if (resolver is null)
        {
            warn($"no nameserver in {ResolvConf}: the DNS address answers no queries");
        }
        foreach ((InterfaceAddress? address, NetAddress? dns) in new[] { (a.Address4, a.Dns4), (a.Address6, a.Dns6) })
        {
            if (address is InterfaceAddress own && dns is NetAddress d)
            {
                if (!stack.IsLocalAddress(d))
                {
                    stack.AddAddress(1, new InterfaceAddress(d, own.PrefixLength)); // the stack answers pings to it
                }
                map.MapDns(d.ToIPAddress(), resolver is null ? new IPEndPoint(d.ToIPAddress(), 53) : new IPEndPoint(resolver, 53));
                map.Refuse(d.ToIPAddress()); // every other port of the DNS address: nothing there
            }
        }
        return map;
    }

    /// <summary>What <c>--verbose</c> prints when the namespace's command ends: what was carried, and what it cost in allocations.</summary>
    private static void Report(string verb, HostForwarderStatisticsSnapshot s, TunLinkStatisticsSnapshot tun, long allocated, long poolGrowth, long packets)
    {
        Console.Error.WriteLine(FormattableString.Invariant(
            $"{verb}: carried {s.TcpConnections} TCP connections ({s.TcpRefused} refused, {s.TcpUnreachable} unreachable), ") +
            FormattableString.Invariant($"{s.UdpFlows} UDP flows, {s.EchoRequests} pings; {s.BytesOut} bytes out, {s.BytesIn} bytes in; ") +
            FormattableString.Invariant($"tun {tun.RxPackets} packets in, {tun.TxPackets} out; ") +
            FormattableString.Invariant($"allocated {allocated} bytes while serving ({(packets == 0 ? 0 : (double)allocated / packets):0.00} per packet, connection setup included; the packet pool grew by {poolGrowth} bytes)"));
    }

    private static long TunPackets(TunLinkStatisticsSnapshot tun) => tun.RxPackets + tun.TxPackets;

    /// <summary>Binds a host port of a forward: its address, or every address (IPv6 dual-stack when the host has IPv6).</summary>
    private static Socket Listen(string verb, IPAddress? address, int port, SocketType type, ProtocolType protocol)
    {
        IPAddress bind = address ?? (Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any);
        var socket = new Socket(bind.AddressFamily, type, protocol);
        try
        {
            if (address is null && bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
            }
            if (type == SocketType.Stream)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            socket.Bind(new IPEndPoint(bind, port));
            if (type == SocketType.Stream)
            {
                socket.Listen(512);
            }
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string what = protocol == ProtocolType.Tcp ? "TCP" : "UDP";
            throw new CommandFailedException($"{verb}: cannot listen on {what} port {port}{(address is null ? "" : $" of {address}")}: {e.Message}", e);
        }
    }
}
