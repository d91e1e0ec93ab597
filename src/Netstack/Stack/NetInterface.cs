using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>A network interface (NIC) of a stack: a link and the addresses assigned to it.</summary>
internal sealed class NetInterface(int id, ILinkEndpoint link)
{
    private InterfaceAddress[] _addresses = [];
    private NetAddress[] _joinedGroups = [];
    private readonly Lock _lock = new();

    public int Id { get; } = id;

    public ILinkEndpoint Link { get; } = link;

    public InterfaceAddress[] Addresses => Volatile.Read(ref _addresses);

    /// <summary>IPv6 multicast groups joined (all-nodes and each address's solicited-node group).</summary>
    public NetAddress[] JoinedGroups => Volatile.Read(ref _joinedGroups);

    public void AddAddress(InterfaceAddress address)
    {
        lock (_lock)
        {
            _addresses = [.. _addresses, address];
            if (address.Address.IsV6)
            {
                var groups = new List<NetAddress>(_joinedGroups);
                if (!groups.Contains(Ipv6Addresses.AllNodes))
                {
                    groups.Add(Ipv6Addresses.AllNodes);
                }
                NetAddress solicited = Ipv6Addresses.SolicitedNode(address.Address);
                if (!groups.Contains(solicited))
                {
                    groups.Add(solicited);
                }
                Volatile.Write(ref _joinedGroups, groups.ToArray());
            }
        }
    }

    /// <summary>Whether <paramref name="address"/> is assigned to this interface.</summary>
    public bool HasAddress(NetAddress address)
    {
        foreach (InterfaceAddress a in Addresses)
        {
            if (a.Address == address)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether the IPv6 multicast <paramref name="group"/> was joined on this interface.</summary>
    public bool HasJoined(NetAddress group)
    {
        foreach (NetAddress g in JoinedGroups)
        {
            if (g == group)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether <paramref name="address"/> is the directed broadcast of one of the IPv4 subnets.</summary>
    public bool IsSubnetBroadcast(NetAddress address)
    {
        foreach (InterfaceAddress a in Addresses)
        {
            if (!a.Address.IsV6 && a.PrefixLength < 31)
            {
                uint hostMask = uint.MaxValue >> a.PrefixLength;
                if ((address.V4 & ~hostMask) == (a.Address.V4 & ~hostMask) && (address.V4 & hostMask) == hostMask)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The best source address for <paramref name="destination"/>: one whose prefix contains it, else the first of its family.</summary>
    public bool TrySelectSource(NetAddress destination, out NetAddress source)
    {
        source = default;
        bool found = false;
        foreach (InterfaceAddress a in Addresses)
        {
            if (a.Address.IsV6 != destination.IsV6)
            {
                continue;
            }
            if (destination.IsInPrefix(a.Address, a.PrefixLength))
            {
                source = a.Address;
                return true;
            }
            if (!found)
            {
                source = a.Address;
                found = true;
            }
        }
        return found;
    }
}
