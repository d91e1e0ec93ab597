using System.Net;

namespace Netstack.NameResolution;

/// <summary>
/// A small positive answer cache: (name, type) to addresses until the answer's TTL (capped) runs out on the given
/// clock. When full, expired entries go first, then the one closest to expiring. Negative answers (NXDOMAIN, no
/// data) are not cached: the next lookup asks again.
/// </summary>
internal sealed class DnsCache(int capacity, TimeSpan maxTtl, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Name, DnsRecordType Type), Entry> _entries = new(EntryKeyComparer.Instance);

    private readonly record struct Entry(IPAddress[] Addresses, long ExpiresAt);

    /// <summary>The cached addresses, or null when absent or expired.</summary>
    public IPAddress[]? TryGet(string name, DnsRecordType type)
    {
        if (capacity == 0)
        {
            return null;
        }
        lock (_lock)
        {
            if (_entries.TryGetValue((name, type), out Entry entry))
            {
                if (entry.ExpiresAt > clock.GetTimestamp())
                {
                    return entry.Addresses;
                }
                _entries.Remove((name, type));
            }
            return null;
        }
    }

    /// <summary>Keeps <paramref name="addresses"/> for <paramref name="ttlSeconds"/> (at most the cap); a zero TTL is not cached (RFC 1035 §3.2.1).</summary>
    public void Add(string name, DnsRecordType type, IPAddress[] addresses, uint ttlSeconds)
    {
        TimeSpan ttl = TimeSpan.FromSeconds(Math.Min(ttlSeconds, maxTtl.TotalSeconds));
        if (capacity == 0 || ttl <= TimeSpan.Zero || addresses.Length == 0)
        {
            return;
        }
        long now = clock.GetTimestamp();
        long expiresAt = now + (long)(ttl.TotalSeconds * clock.TimestampFrequency);
        lock (_lock)
        {
            if (_entries.Count >= capacity && !_entries.ContainsKey((name, type)))
            {
                MakeRoom(now);
            }
            _entries[(name, type)] = new Entry(addresses, expiresAt);
        }
    }

    private void MakeRoom(long now)
    {
        (string, DnsRecordType)? soonest = null;
        long soonestAt = long.MaxValue;
        foreach (KeyValuePair<(string Name, DnsRecordType Type), Entry> pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _entries.Remove(pair.Key); // removing while enumerating a Dictionary is allowed
            }
            else if (pair.Value.ExpiresAt < soonestAt)
            {
                (soonest, soonestAt) = (pair.Key, pair.Value.ExpiresAt);
            }
        }
        if (_entries.Count >= capacity && soonest is { } key)
        {
            _entries.Remove(key);
        }
    }

    /// <summary>Names compare case-insensitively, without their final dot (RFC 4343).</summary>
    private sealed class EntryKeyComparer : IEqualityComparer<(string Name, DnsRecordType Type)>
    {
        public static readonly EntryKeyComparer Instance = new();

        public bool Equals((string Name, DnsRecordType Type) x, (string Name, DnsRecordType Type) y) =>
            x.Type == y.Type && DnsName.AreEqual(x.Name, y.Name);

        public int GetHashCode((string Name, DnsRecordType Type) key) =>
            HashCode.Combine(string.GetHashCode(key.Name.AsSpan().TrimEnd('.'), StringComparison.OrdinalIgnoreCase), key.Type);
    }
}
