using System.Net;
using Netstack.NameResolution;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.NameResolution;

/// <summary>The resolver's answer cache on a manual clock: TTLs, the cap, eviction when full.</summary>
public class DnsCacheTests
{
    private static readonly IPAddress[] One = [IPAddress.Parse("192.0.2.1")];

    [Fact]
    public void An_answer_lives_for_its_ttl_and_names_match_whatever_their_case()
    {
        var clock = new ManualTimeProvider();
        var cache = new DnsCache(4, TimeSpan.FromMinutes(5), clock);
        cache.Add("Host.test.", DnsRecordType.A, One, 10);
        Assert.Same(One, cache.TryGet("host.TEST", DnsRecordType.A));
        Assert.Null(cache.TryGet("host.test", DnsRecordType.Aaaa));
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.NotNull(cache.TryGet("host.test", DnsRecordType.A));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Null(cache.TryGet("host.test", DnsRecordType.A));
    }

    [Fact]
    public void Ttls_are_capped_and_zero_is_not_cached()
    {
        var clock = new ManualTimeProvider();
        var cache = new DnsCache(4, TimeSpan.FromSeconds(60), clock);
        cache.Add("long.test", DnsRecordType.A, One, 86400);
        cache.Add("zero.test", DnsRecordType.A, One, 0);
        Assert.Null(cache.TryGet("zero.test", DnsRecordType.A));
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Null(cache.TryGet("long.test", DnsRecordType.A));
    }

    [Fact]
    public void When_full_the_entry_closest_to_expiring_goes()
    {
        var clock = new ManualTimeProvider();
        var cache = new DnsCache(2, TimeSpan.FromMinutes(5), clock);
        cache.Add("a.test", DnsRecordType.A, One, 100);
        cache.Add("b.test", DnsRecordType.A, One, 50);
        cache.Add("c.test", DnsRecordType.A, One, 200);
        Assert.NotNull(cache.TryGet("a.test", DnsRecordType.A));
        Assert.Null(cache.TryGet("b.test", DnsRecordType.A));
        Assert.NotNull(cache.TryGet("c.test", DnsRecordType.A));
    }

    [Fact]
    public void A_size_of_zero_caches_nothing()
    {
        var cache = new DnsCache(0, TimeSpan.FromMinutes(5), new ManualTimeProvider());
        cache.Add("a.test", DnsRecordType.A, One, 100);
        Assert.Null(cache.TryGet("a.test", DnsRecordType.A));
    }
}
