using System.Net;
using Netstack.Forwarding;

namespace Netstack.Tests.Forwarding;

/// <summary><see cref="Socks5ProxyUrl"/>: the <c>--outbound socks5://[user:pass@]HOST:PORT</c> syntax.</summary>
public sealed class Socks5ProxyUrlTests
{
    [Theory]
    [InlineData("socks5://127.0.0.1:1080", "127.0.0.1", 1080, null, null)]
    [InlineData("SOCKS5://127.0.0.1:1080/", "127.0.0.1", 1080, null, null)]
    [InlineData("socks5://[::1]:9050", "::1", 9050, null, null)]
    [InlineData("socks5://proxy.example:1", "proxy.example", 1, null, null)]
    [InlineData("socks5://alice:pw@127.0.0.1:65535", "127.0.0.1", 65535, "alice", "pw")]
    [InlineData("socks5://al%40ce:p%3Aw@[::1]:1080", "::1", 1080, "al@ce", "p:w")]
    [InlineData("socks5://alice:p:w@127.0.0.1:1080", "127.0.0.1", 1080, "alice", "p:w")]
    public void ValidUrlsParse(string url, string host, int port, string? user, string? password)
    {
        Socks5ProxyUrl parsed = Socks5ProxyUrl.Parse(url);

        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(user, parsed.Credential?.UserName);
        Assert.Equal(password, parsed.Credential?.Password);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:1080")]
    [InlineData("socks4://127.0.0.1:1080")]
    [InlineData("http://127.0.0.1:1080")]
    [InlineData("socks5://127.0.0.1")]
    [InlineData("socks5://127.0.0.1:")]
    [InlineData("socks5://:1080")]
    [InlineData("socks5://127.0.0.1:0")]
    [InlineData("socks5://127.0.0.1:65536")]
    [InlineData("socks5://127.0.0.1:+80")]
    [InlineData("socks5://127.0.0.1:80x")]
    [InlineData("socks5://::1:1080")]
    [InlineData("socks5://[::1]1080")]
    [InlineData("socks5://[127.0.0.1]:1080")]
    [InlineData("socks5://[::1:1080")]
    [InlineData("socks5://127.0.0.1:1080/path")]
    [InlineData("socks5://127.0.0.1:1080?x=1")]
    [InlineData("socks5://bad host:1080")]
    [InlineData("socks5://alice@127.0.0.1:1080")]
    [InlineData("socks5://alice:@127.0.0.1:1080")]
    [InlineData("socks5://:pw@127.0.0.1:1080")]
    public void BadUrlsGiveAOneLineArgumentException(string url)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Socks5ProxyUrl.Parse(url));

        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("bad SOCKS5 proxy URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePasswordIsNeverEchoed()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Socks5ProxyUrl.Parse("socks5://alice:hunter2@127.0.0.1:0"));
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", Socks5ProxyUrl.Parse("socks5://alice:hunter2@127.0.0.1:1").ToString(), StringComparison.Ordinal);
        Assert.Equal("socks5://alice:***@[::1]:1", Socks5ProxyUrl.Parse("socks5://alice:hunter2@[::1]:1").ToString());
    }

    [Fact]
    public void FromUrlBuildsTheDialerOnTheLiteralAddress()
    {
        Socks5Dialer dialer = Socks5Dialer.FromUrl("socks5://u:p@[::1]:1080");

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 1080), dialer.Proxy);
        Assert.Equal("u", dialer.Credential?.UserName);
    }

    [Fact]
    public void AUserNameOver255BytesIsAnArgumentException() =>
        Assert.Throws<ArgumentException>(() => Socks5Dialer.FromUrl($"socks5://{new string('u', 256)}:p@127.0.0.1:1080"));
}
