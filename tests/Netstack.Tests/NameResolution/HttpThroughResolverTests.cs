using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.NameResolution;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Tests.NameResolution;

/// <summary>HttpClient on stack A fetching by name from a server on stack B, the name resolved by DNS through A.</summary>
public class HttpThroughResolverTests
{
    [Fact]
    public async Task HttpClient_fetches_a_url_by_name_resolved_through_the_stack()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer dns = net.Server(ResolverNetwork.B4);
        dns.Add("some.name.test", "10.9.0.2");
        Task<string> server = ServeOneRequestAsync(net.B, 80, "hello by name", net.Patience);

        using HttpMessageHandler handler = net.A.CreateHttpHandler(new DnsResolver(net.A, ResolverNetwork.B4));
        using var http = new HttpClient(handler);
        string body = await http.GetStringAsync(new Uri("http://some.name.test/"), net.Patience);

        Assert.Equal("hello by name", body);
        string request = await server;
        Assert.StartsWith("GET / HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nHost: some.name.test\r\n", request, StringComparison.Ordinal);
        Assert.Equal(2, dns.UdpQueries); // A and AAAA (the AAAA answer is empty)
    }

    [Fact]
    public async Task An_unknown_name_fails_the_request_with_host_not_found()
    {
        await using var net = new ResolverNetwork();
        TestDnsServer dns = net.Server(ResolverNetwork.B4);
        using var http = new HttpClient(net.A.CreateHttpHandler(new DnsResolver(net.A, ResolverNetwork.B4)));
        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri("http://nowhere.test/"), net.Patience));
        Assert.Equal(SocketError.HostNotFound, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task Happy_eyeballs_starts_the_next_address_after_the_attempt_delay_on_the_stack_clock()
    {
        await using var net = new ResolverNetwork();
        Task<string> server = ServeOneRequestAsync(net.B, 80, "via ipv4", net.Patience);
        // fd00:9::99 is on the link but nobody answers: its SYN goes unanswered.
        var resolver = new FixedResolver(IPAddress.Parse("fd00:9::99"), IPAddress.Parse("10.9.0.2"));
        using var http = new HttpClient(net.A.CreateHttpHandler(resolver));
        Task<string> body = http.GetStringAsync(new Uri("http://dual.test/"), net.Patience);
        Assert.Equal("via ipv4", await net.AdvanceUntil(body, TimeSpan.FromMilliseconds(50)));
        await server;
        Assert.True(net.Clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"the second attempt started at {net.Clock.Elapsed} on the stack clock");
    }

    [Fact]
    public void Families_are_interleaved_starting_with_the_first()
    {
        IPAddress[] addresses = [.. new[] { "fd00::1", "fd00::2", "fd00::3", "10.0.0.1" }.Select(IPAddress.Parse)];
        Assert.Equal(["fd00::1", "10.0.0.1", "fd00::2", "fd00::3"], HappyEyeballsConnector.Interleave(addresses).Select(a => a.ToString()));
    }

    [Theory]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrLower, "1.1", HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("2.0", HttpVersionPolicy.RequestVersionExact, "2.0", HttpVersionPolicy.RequestVersionExact)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrHigher, "2.0", HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("2.0", HttpVersionPolicy.RequestVersionOrHigher, "2.0", HttpVersionPolicy.RequestVersionExact)]
    [InlineData("3.0", HttpVersionPolicy.RequestVersionOrLower, "2.0", HttpVersionPolicy.RequestVersionOrLower)]
    public void Requests_are_rewritten_never_to_allow_http3(string version, HttpVersionPolicy policy, string expectedVersion, HttpVersionPolicy expectedPolicy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://x.test/") { Version = Version.Parse(version), VersionPolicy = policy };
        HttpVersionCap.Cap(request);
        Assert.Equal(Version.Parse(expectedVersion), request.Version);
        Assert.Equal(expectedPolicy, request.VersionPolicy);
    }

    [Theory]
    [InlineData(HttpVersionPolicy.RequestVersionExact)]
    [InlineData(HttpVersionPolicy.RequestVersionOrHigher)]
    public async Task A_request_that_requires_http3_fails_instead_of_leaving_the_stack(HttpVersionPolicy policy)
    {
        using var stack = new NetStack();
        using var http = new HttpClient(stack.CreateHttpHandler(new FixedResolver(IPAddress.Parse("10.9.0.2"))))
        {
            DefaultRequestVersion = HttpVersion.Version30,
            DefaultVersionPolicy = policy,
        };
        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri("https://quic.test/")));
        Assert.Contains("HTTP/3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_for_http3_or_lower_goes_through_the_stack()
    {
        await using var net = new ResolverNetwork();
        Task<string> server = ServeOneRequestAsync(net.B, 80, "capped", net.Patience);
        using var http = new HttpClient(net.A.CreateHttpHandler(new FixedResolver(IPAddress.Parse("10.9.0.2"))))
        {
            DefaultRequestVersion = HttpVersion.Version30,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        Assert.Equal("capped", await http.GetStringAsync(new Uri("http://capped.test/"), net.Patience));
        Assert.StartsWith("GET / HTTP/1.1", await server, StringComparison.Ordinal);
    }

    /// <summary>Accepts one connection on <paramref name="port"/>, reads one request head, answers <paramref name="body"/>; returns the head.</summary>
    private static async Task<string> ServeOneRequestAsync(NetStack stack, int port, string body, CancellationToken cancellationToken)
    {
        using TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(IPAddress.Any, port));
        await Task.Yield();
        await using TcpConnection connection = await listener.AcceptAsync(cancellationToken);
        var head = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await connection.Stream.ReadAsync(buffer, cancellationToken);
            Assert.True(n > 0, "the client closed before a whole request");
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        byte[] content = Encoding.UTF8.GetBytes(body);
        await connection.Stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n"), cancellationToken);
        await connection.Stream.WriteAsync(content, cancellationToken);
        return head.ToString();
    }

    /// <summary>A resolver with one answer for every name, for the tests that are not about DNS.</summary>
    private sealed class FixedResolver(params IPAddress[] addresses) : INameResolver
    {
        public ValueTask<IPAddress[]> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(addresses);
    }
}
