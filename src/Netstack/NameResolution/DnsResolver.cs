using System.Net;
using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.NameResolution;

/// <summary>
/// A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3) that asks DNS servers through a <see cref="NetStack"/>'s own UDP and
/// TCP, so host names resolve inside the userspace network and never reach the host's resolver.
/// </summary>
/// <remarks>
/// <para>
/// A lookup asks for A and/or AAAA records, recursion desired. Each query goes to the servers in order, for
/// <see cref="DnsResolverOptions.Attempts"/> rounds, waiting <see cref="DnsResolverOptions.Timeout"/> for each (on
/// the stack's clock); a timeout, SERVFAIL, REFUSED, an ICMP error or a malformed answer moves on to the next server,
/// NXDOMAIN ends the lookup. A truncated UDP answer is asked again over TCP. Every query has a fresh ID from the
/// system's CSPRNG and leaves from a random port, and an answer counts only when its ID, the QR bit and its question
/// match (RFC 5452). CNAME chains are followed within the answer.
/// </para>
/// <para>
/// Names are fully qualified: no search domains, no <c>/etc/hosts</c>, no special case for <c>localhost</c>. IP
/// literals are returned as they are. Answers are cached for their TTL (<see cref="DnsResolverOptions.CacheSize"/>).
/// With <see cref="AddressFamily.Unspecified"/> the A and AAAA queries run at once and the addresses come IPv6 first,
/// then IPv4, except that addresses the stack has no route to go last (RFC 6724 rules 1 and 6, simplified).
/// Failures are <see cref="SocketException"/>s with the codes <see cref="Dns"/> uses on Linux: HostNotFound for
/// NXDOMAIN or no address, TryAgain when no server answered.
/// </para>
/// </remarks>
public sealed class DnsResolver : INameResolver
{
    private readonly NetStack _stack;
    private readonly IPEndPoint[] _servers;
    private readonly TimeSpan _timeout;
    private readonly int _attempts;
    private readonly DnsCache _cache;

    /// <summary>A resolver asking <paramref name="servers"/> on port 53, with the default options.</summary>
    public DnsResolver(NetStack stack, params IPAddress[] servers)
        : this(stack, new DnsResolverOptions { Servers = [.. (servers ?? throw new ArgumentNullException(nameof(servers))).Select(s => new IPEndPoint(s, 53))] })
    {
    }

    /// <summary>A resolver with <paramref name="options"/> (copied: later changes to them have no effect).</summary>
    /// <exception cref="ArgumentException">No server, a server that is not IPv4 or IPv6, a non-positive timeout, or fewer than one attempt.</exception>
    public DnsResolver(NetStack stack, DnsResolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Servers.Count == 0)
        {
            throw new ArgumentException("At least one DNS server is required.", nameof(options));
        }
        foreach (IPEndPoint server in options.Servers)
        {
            if (server is null || server.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                throw new ArgumentException("DNS servers must be IPv4 or IPv6 endpoints.", nameof(options));
            }
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Timeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Attempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.CacheSize, nameof(options));
        _stack = stack;
        _servers = [.. options.Servers];
        _timeout = options.Timeout;
        _attempts = options.Attempts;
        _cache = new DnsCache(options.CacheSize, options.MaxCacheTtl, stack.TimeProvider);
    }

    /// <summary>The servers asked, in order.</summary>
    public IReadOnlyList<IPEndPoint> Servers => _servers;

    /// <inheritdoc/>
    public async ValueTask<IPAddress[]> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (family is not (AddressFamily.Unspecified or AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentOutOfRangeException(nameof(family));
        }
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out IPAddress? literal))
        {
            return family == AddressFamily.Unspecified || literal.AddressFamily == family
                ? [literal]
                : throw new SocketException((int)SocketError.HostNotFound);
        }
        if (!DnsName.IsValid(host))
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        if (family != AddressFamily.Unspecified)
        {
            Lookup only = await LookupAsync(host, family == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.Aaaa, cancellationToken).ConfigureAwait(false);
            return only.Addresses.Length > 0 ? only.Addresses : throw only.Failure();
        }
        Task<Lookup> v6 = LookupAsync(host, DnsRecordType.Aaaa, cancellationToken).AsTask();
        Task<Lookup> v4 = LookupAsync(host, DnsRecordType.A, cancellationToken).AsTask();
        await Task.WhenAll(v6, v4).ConfigureAwait(false);
        IPAddress[] both = [.. v6.Result.Addresses, .. v4.Result.Addresses];
        if (both.Length == 0)
        {
            // Either family's "no server answered" beats the other's "no such address": it may exist.
            throw v6.Result.NoAnswer || v4.Result.NoAnswer ? new SocketException((int)SocketError.TryAgain) : new SocketException((int)SocketError.HostNotFound);
        }
        return [.. both.OrderBy(a => CanReach(a) ? 0 : 1)]; // a stable sort: IPv6 before IPv4 within each group
    }

    /// <summary>The outcome of one query type: addresses, or none with whether any server answered at all.</summary>
    private readonly record struct Lookup(IPAddress[] Addresses, bool NoAnswer)
    {
        public SocketException Failure() => new((int)(NoAnswer ? SocketError.TryAgain : SocketError.HostNotFound));
    }

    private async ValueTask<Lookup> LookupAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(name, type) is { } cached)
        {
            return new Lookup(cached, NoAnswer: false);
        }
        for (int attempt = 0; attempt < _attempts; attempt++)
        {
            foreach (IPEndPoint server in _servers)
            {
                DnsResponse? response = await DnsExchange.AskAsync(_stack, server, name, type, _timeout, cancellationToken).ConfigureAwait(false);
                switch (response?.ResponseCode)
                {
                    case DnsResponseCode.NoError:
                        _cache.Add(name, type, response.Addresses, response.TimeToLive);
                        return new Lookup(response.Addresses, NoAnswer: false);
                    case DnsResponseCode.NameError:
                        return new Lookup([], NoAnswer: false);
                    default:
                        break; // no answer, SERVFAIL, REFUSED, ...: the next server
                }
            }
        }
        return new Lookup([], NoAnswer: true);
    }

    private bool CanReach(IPAddress address) => _stack.TryFindRoute(NetAddress.FromIPAddress(address), out _);
}
