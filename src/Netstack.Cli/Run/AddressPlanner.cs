using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli.Run;

/// <summary>
/// Chooses the namespace's addresses. Defaults are slirp4netns's — 10.0.2.100/24 via 10.0.2.2 with DNS 10.0.2.3,
/// fd00::100/64 via fd00::2 with DNS fd00::3 — unless a host address or route overlaps them; then the first free
/// 10.0.N.0/24 (N = 3, 4, ...) and the matching fd00:N::/64 are used. <c>--address</c>, <c>--gateway</c> and
/// <c>--dns-forward</c> override per family; a given address's gateway and DNS default to the second and third
/// address of its prefix (skipping the address itself).
/// </summary>
public static class AddressPlanner
{
    /// <summary>Resolves the request; a contradictory request throws <see cref="CommandFailedException"/> with <see cref="ExitCodes.Usage"/>.</summary>
    public static NamespaceAddresses Resolve(
        IReadOnlyList<InterfaceAddress> addresses, IReadOnlyList<NetAddress> gateways, IReadOnlyList<NetAddress> dns,
        IReadOnlyList<InterfaceAddress> hostPrefixes)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(gateways);
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(hostPrefixes);
        InterfaceAddress? address4 = One(addresses.Where(a => a.Address.IsV4), "--address", "IPv4");
        InterfaceAddress? address6 = One(addresses.Where(a => a.Address.IsV6), "--address", "IPv6");
        NetAddress? gateway4 = One(gateways.Where(a => a.IsV4), "--gateway", "IPv4");
        NetAddress? gateway6 = One(gateways.Where(a => a.IsV6), "--gateway", "IPv6");
        NetAddress? dns4 = One(dns.Where(a => a.IsV4), "--dns-forward", "IPv4");
        NetAddress? dns6 = One(dns.Where(a => a.IsV6), "--dns-forward", "IPv6");

        if (address4 is null || address6 is null)
        {
            int n = FirstFreeSubnet(address4 is null, address6 is null, hostPrefixes);
            address4 ??= new InterfaceAddress(NetAddress.FromV4(10, 0, (byte)n, 100), 24);
            address6 ??= new InterfaceAddress(V6(n, 0x100), 64);
        }
        (gateway4, dns4) = Complete(address4.Value, gateway4, dns4);
        (gateway6, dns6) = Complete(address6.Value, gateway6, dns6);
        return new NamespaceAddresses(address4, gateway4, dns4, address6, gateway6, dns6);
    }

    /// <summary>The first N (2..254) whose 10.0.N.0/24 and fd00:N::/64 (fd00::/64 for N = 2) overlap no host prefix, for the families asked.</summary>
    public static int FirstFreeSubnet(bool needV4, bool needV6, IReadOnlyList<InterfaceAddress> hostPrefixes)
    {
        ArgumentNullException.ThrowIfNull(hostPrefixes);
        for (int n = 2; n < 255; n++)
        {
            var v4 = new InterfaceAddress(NetAddress.FromV4(10, 0, (byte)n, 0), 24);
            var v6 = new InterfaceAddress(V6(n, 0), 64);
            if ((!needV4 || !hostPrefixes.Any(p => HostNetworks.Overlaps(p, v4)))
                && (!needV6 || !hostPrefixes.Any(p => HostNetworks.Overlaps(p, v6))))
            {
                return n;
            }
        }
        throw new CommandFailedException("run: every default subnet 10.0.2-254.0/24 overlaps a host network; choose one with --address", ExitCodes.Failure);
    }

    private static NetAddress V6(int n, ushort host)
    {
        // fd00::/64 for N = 2 (slirp4netns's), fd00:N::/64 beyond it.
        UInt128 bits = ((UInt128)0xfd00 << 112) | (n == 2 ? UInt128.Zero : (UInt128)(uint)n << 96) | host;
        return new NetAddress(bits, IsV6: true);
    }

    private static (NetAddress Gateway, NetAddress Dns) Complete(InterfaceAddress address, NetAddress? gateway, NetAddress? dns)
    {
        string family = address.Address.IsV6 ? "IPv6" : "IPv4";
        int width = address.Address.IsV6 ? 128 : 32;
        if (address.PrefixLength > width - 2 || address.Address == address.Network || address.Address.IsMulticast || address.Address.IsLoopback)
        {
            throw Usage($"--address {address}: the {family} prefix needs room for the gateway and DNS addresses (and the address must be a host address)");
        }
        if (gateway is NetAddress g && (!g.IsInPrefix(address.Network, address.PrefixLength) || g == address.Address || g == address.Network))
        {
            throw Usage($"--gateway {g} must be another host address inside {address.Network}/{address.PrefixLength}");
        }
        if (dns is NetAddress d && (d == address.Address || d.IsMulticast || d.IsUnspecified || d.IsLoopback))
        {
            throw Usage($"--dns-forward {d} cannot be the namespace's own, a loopback or a multicast address");
        }
        gateway ??= Nth(address, 2, except: []);
        dns ??= Nth(address, 3, except: [gateway.Value]);
        return (gateway.Value, dns.Value);
    }

    /// <summary>The network plus <paramref name="offset"/>, moving on past the address itself and <paramref name="except"/>.</summary>
    private static NetAddress Nth(InterfaceAddress address, int offset, NetAddress[] except)
    {
        for (int i = offset; ; i++)
        {
            NetAddress candidate = new NetAddress(address.Network.Bits + (UInt128)i, address.Address.IsV6);
            if (candidate != address.Address && !except.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    private static T? One<T>(IEnumerable<T> values, string option, string family)
        where T : struct
    {
        T[] list = values.ToArray();
        if (list.Length > 1)
        {
            throw Usage($"{option} was given {list.Length} {family} values; at most one per family");
        }
        return list.Length == 1 ? list[0] : null;
    }

    private static CommandFailedException Usage(string message) => new(message, ExitCodes.Usage);
}
