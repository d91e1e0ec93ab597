using System.Net;

namespace Netstack.NameResolution;

/// <summary>
/// Settings of a <see cref="DnsResolver"/>: the servers to ask and how patiently, as <c>resolv.conf</c>'s
/// <c>nameserver</c>, <c>options timeout:</c> and <c>options attempts:</c> say them, plus the size of the answer cache.
/// </summary>
public sealed class DnsResolverOptions
{
    /// <summary>The DNS servers, asked in order (port 53 unless the endpoint says otherwise). At least one is required.</summary>
    public IList<IPEndPoint> Servers { get; init; } = [];

    /// <summary>How long to wait for one server's answer to one query, on the stack's clock (glibc's default: 5 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many rounds over <see cref="Servers"/> before giving up with TryAgain (glibc's default: 2).</summary>
    public int Attempts { get; set; } = 2;

    /// <summary>How many (name, type) answers the resolver keeps for their TTL; 0 turns the cache off.</summary>
    public int CacheSize { get; set; } = 256;

    /// <summary>The longest an answer stays cached, whatever its TTL says.</summary>
    public TimeSpan MaxCacheTtl { get; set; } = TimeSpan.FromMinutes(5);
}
