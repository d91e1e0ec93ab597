using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

public class SynCookiesTests
{
    private static readonly FourTuple V4 = new(NetAddress.Parse("10.9.0.1"), 80, NetAddress.Parse("10.9.0.2"), 40000);
    private static readonly FourTuple V6 = new(NetAddress.Parse("fd00:9::1"), 443, NetAddress.Parse("fd00:9::2"), 50000);
    private static readonly SeqNumber ClientIsn = new(0xFFFF_FFF0);

    private static SynCookies Create() => new(new SipHashKey(42, 1), new SipHashKey(42, 2));

    [Theory]
    [InlineData(1460, 1460)]
    [InlineData(1500, 1460)]
    [InlineData(1440, 1440)]
    [InlineData(1400, 1300)]
    [InlineData(536, 536)]
    [InlineData(100, 536)]
    public void CookieRoundTripsTheMssTableEntryV4(int offered, int expected)
    {
        var cookies = Create();
        uint now = SynCookies.Counter(TimeSpan.FromHours(5));
        uint cookie = cookies.CreateCookie(V4, ClientIsn, (ushort)offered, now, out ushort encoded);
        Assert.Equal(expected, encoded);
        Assert.True(cookies.TryValidateCookie(V4, ClientIsn, cookie, now, out ushort mss));
        Assert.Equal(expected, mss);
    }

    [Theory]
    [InlineData(8960, 8940)]
    [InlineData(1440, 1440)]
    [InlineData(1280, 1220)]
    public void CookieUsesTheIpv6Table(int offered, int expected)
    {
        var cookies = Create();
        uint cookie = cookies.CreateCookie(V6, ClientIsn, (ushort)offered, 7, out ushort encoded);
        Assert.Equal(expected, encoded);
        Assert.True(cookies.TryValidateCookie(V6, ClientIsn, cookie, 7, out ushort mss));
        Assert.Equal(expected, mss);
    }

    [Fact]
    public void CookieIsValidForTheCurrentAndPreviousCounterOnly()
    {
        var cookies = Create();
        uint cookie = cookies.CreateCookie(V4, ClientIsn, 1460, 255, out _);
        Assert.True(cookies.TryValidateCookie(V4, ClientIsn, cookie, 255, out _));
        Assert.True(cookies.TryValidateCookie(V4, ClientIsn, cookie, 256, out _)); // counter wraps its 8 bits
        Assert.False(cookies.TryValidateCookie(V4, ClientIsn, cookie, 257, out _));
        Assert.False(cookies.TryValidateCookie(V4, ClientIsn, cookie, 254, out _)); // from the future
        Assert.Equal(0u, SynCookies.Counter(TimeSpan.FromSeconds(63.9)));
        Assert.Equal(1u, SynCookies.Counter(TimeSpan.FromSeconds(64)));
    }

    [Fact]
    public void CookieIsBoundToTupleClientIsnAndSecret()
    {
        var cookies = Create();
        uint cookie = cookies.CreateCookie(V4, ClientIsn, 1460, 9, out _);
        Assert.False(cookies.TryValidateCookie(V4 with { RemotePort = 40001 }, ClientIsn, cookie, 9, out _));
        Assert.False(cookies.TryValidateCookie(V4 with { RemoteAddress = NetAddress.Parse("10.9.0.3") }, ClientIsn, cookie, 9, out _));
        for (int delta = 1; delta <= 3; delta++)
        {
            Assert.False(cookies.TryValidateCookie(V4, ClientIsn + delta, cookie, 9, out _));
            Assert.False(cookies.TryValidateCookie(V4, ClientIsn - delta, cookie, 9, out _));
        }
        Assert.False(new SynCookies(new SipHashKey(43, 1), new SipHashKey(43, 2)).TryValidateCookie(V4, ClientIsn, cookie, 9, out _));
        Assert.False(cookies.TryValidateCookie(V4, ClientIsn, cookie ^ 0x100, 9, out ushort mss));
        Assert.Equal(0, mss);
    }

    [Fact]
    public void RandomCookiesAreRejected()
    {
        var cookies = Create();
        var random = new Random(7);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            if (cookies.TryValidateCookie(V4, ClientIsn, (uint)random.NextInt64(0, 1L << 32), 9, out _))
            {
                accepted++;
            }
        }
        Assert.Equal(0, accepted);
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData(0, true, false)]
    [InlineData(7, false, true)]
    [InlineData(14, true, true)]
    public void TimestampCarriesTheOptions(int? windowScale, bool sack, bool ecn)
    {
        const uint tsval = 0x1234_5678;
        uint ts = SynCookies.EncodeTimestampOptions(tsval, windowScale, sack, ecn);
        Assert.True(new SeqNumber(ts) <= new SeqNumber(tsval));
        Assert.True(new SeqNumber(tsval) - new SeqNumber(ts) < 64);
        Assert.True(SynCookies.TryDecodeTimestampOptions(ts, out int? ws, out bool s, out bool e));
        Assert.Equal(windowScale, ws);
        Assert.Equal(sack, s);
        Assert.Equal(ecn, e);
        Assert.True(SynCookies.TryDecodeTimestampOptions(ts, out ws, out s));
        Assert.Equal(windowScale, ws);
    }

    [Fact]
    public void TimestampNeverMovesForwardAndWraps()
    {
        uint ts = SynCookies.EncodeTimestampOptions(5, null, true, true); // options 0x3F > 5
        Assert.Equal(0xFFFF_FFFFu, ts);
        Assert.True(SynCookies.TryDecodeTimestampOptions(ts, out int? ws, out bool sack, out bool ecn));
        Assert.Null(ws);
        Assert.True(sack);
        Assert.True(ecn);
        Assert.Equal(14, SynCookies.TryDecodeTimestampOptions(SynCookies.EncodeTimestampOptions(1000, 20, false), out ws, out _) ? ws : -1);
    }
}
