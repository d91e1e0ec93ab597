using System.Net;

namespace Netstack.Forwarding;

/// <summary>
/// Where a destination the namespace asked for is really dialled: the namespace's gateway addresses stand for the
/// host itself (127.0.0.1 and ::1, as pasta maps them), and its DNS address on port 53 stands for the host's resolver.
/// Every other destination is dialled as it is.
/// </summary>
public sealed class DestinationMap
{
    private readonly Dictionary<IPAddress, IPAddress> _addresses = [];
    private readonly Dictionary<IPAddress, IPEndPoint> _dns = [];
    private readonly HashSet<IPAddress> _refused = [];

    /// <summary>Maps every port of <paramref name="from"/> to the same port of <paramref name="to"/>.</summary>
    public DestinationMap MapAddress(IPAddress from, IPAddress to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        _addresses[from] = to;
        return this;
    }

    /// <summary>Maps port 53 of <paramref name="dnsAddress"/> (UDP and TCP) to <paramref name="resolver"/>.</summary>
    public DestinationMap MapDns(IPAddress dnsAddress, IPEndPoint resolver)
    {
        ArgumentNullException.ThrowIfNull(dnsAddress);
        ArgumentNullException.ThrowIfNull(resolver);
        _dns[dnsAddress] = resolver;
        return this;
    }

    /// <summary>Nothing is dialled for <paramref name="address"/> (other than what <see cref="MapDns"/> maps): a TCP connect is refused, UDP is dropped.</summary>
    public DestinationMap Refuse(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        _refused.Add(address);
        return this;
    }

    /// <summary>The endpoint to dial for <paramref name="destination"/>, or null when it is refused.</summary>
    public IPEndPoint? Resolve(IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Port == 53 && _dns.TryGetValue(destination.Address, out IPEndPoint? resolver))
        {
            return resolver;
        }
        if (_refused.Contains(destination.Address))
        {
            return null;
        }
        return _addresses.TryGetValue(destination.Address, out IPAddress? to) ? new IPEndPoint(to, destination.Port) : destination;
    }

    /// <summary>
    /// The first <c>nameserver</c> of a resolv.conf text (man resolv.conf(5)), or null. A link-local IPv6 resolver
    /// keeps its zone (<c>fe80::1%eth0</c>).
    /// </summary>
    public static IPAddress? FirstNameserver(string resolvConf)
    {
        ArgumentNullException.ThrowIfNull(resolvConf);
        foreach (string raw in resolvConf.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("nameserver", StringComparison.Ordinal))
            {
                continue;
            }
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "nameserver" && IPAddress.TryParse(words[1], out IPAddress? address))
            {
                return address;
            }
        }
        return null;
    }
}
