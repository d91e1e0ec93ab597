using System.Net;
using System.Net.Sockets;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.NameResolution;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.NameResolution;

namespace Netstack.Tests.Examples;

/// <summary>
/// The README's "Using the library" snippets that no example program runs (UDP, HostForwarder), as written there,
/// so a change that breaks them fails here.
/// </summary>
public class ReadmeSnippetsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_udp_snippet_echoes_a_datagram()
    {
        using var timeout = new CancellationTokenSource(Patience);
        CancellationToken cancellationToken = timeout.Token;
        using var stack = new NetStack();
        using var peerStack = new NetStack();
        using ChannelLinkPair link = ChannelLink.CreatePair();
        stack.AddInterface(link.A, "10.9.0.2/24");
        peerStack.AddInterface(link.B, "10.9.0.1/24");
        using var peer = new UdpSocket(peerStack, AddressFamily.InterNetwork);
        peer.Bind(new IPEndPoint(IPAddress.Any, 0));
        byte[] buffer = new byte[2048];

        // README:
        using var udp = new UdpSocket(stack, AddressFamily.InterNetwork);
        udp.Bind(new IPEndPoint(IPAddress.Any, 5353));
        await peer.SendToAsync("ping"u8.ToArray(), new IPEndPoint(IPAddress.Parse("10.9.0.2"), 5353), cancellationToken);
        UdpReceiveFromResult got = await udp.ReceiveFromAsync(buffer, cancellationToken);
        await udp.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), got.RemoteEndPoint, cancellationToken);

        byte[] answer = new byte[16];
        UdpReceiveFromResult back = await peer.ReceiveFromAsync(answer, cancellationToken);
        Assert.Equal("ping"u8.ToArray(), answer.AsSpan(0, back.ReceivedBytes).ToArray());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 5353), back.RemoteEndPoint);
    }

    [Fact]
    public async Task The_host_forwarder_one_liner_starts_and_stops()
    {
        using var stack = new NetStack();
        await using (HostForwarder forwarder = HostForwarder.Start(stack, new HostForwarderOptions { Dialer = new DirectDialer() }))
        {
            Assert.True(stack.AcceptAnyDestination); // forwarding: packets to every address are ours
        }
        Assert.False(stack.AcceptAnyDestination);
    }

    [Fact]
    public async Task The_fetch_by_name_snippet_resolves_through_the_stack()
    {
        using var timeout = new CancellationTokenSource(Patience);
        CancellationToken cancellationToken = timeout.Token;
        await using var stack = new NetStack();
        await using var peerStack = new NetStack();
        await using ChannelLinkPair link = ChannelLink.CreatePair();
        stack.AddInterface(link.A, "10.9.0.2/24");
        peerStack.AddInterface(link.B, "10.9.0.1/24");
        await using var dns = new TestDnsServer(peerStack, new IPEndPoint(IPAddress.Parse("10.9.0.1"), 53));
        dns.Add("some.name.test", "10.9.0.1");
        using TcpConnectionListener web = peerStack.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        Task server = Task.Run(async () =>
        {
            await using TcpConnection c = await web.AcceptAsync(cancellationToken);
            byte[] request = new byte[4096];
            int n = 0;
            while (!System.Text.Encoding.ASCII.GetString(request, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                n += await c.Stream.ReadAsync(request.AsMemory(n), cancellationToken);
            }
            await c.Stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"u8.ToArray(), cancellationToken);
        });

        // README:
        var resolver = new DnsResolver(stack, IPAddress.Parse("10.9.0.1"));   // the DNS server, reached through the stack
        using HttpMessageHandler handler = stack.CreateHttpHandler(resolver);  // TCP through the stack, HTTP/2 at most
        using var http = new HttpClient(handler);
        string page = await http.GetStringAsync(new Uri("http://some.name.test/"), cancellationToken);
        IPAddress[] addresses = await resolver.ResolveAsync("some.name.test", AddressFamily.Unspecified, cancellationToken);

        Assert.Equal("hi", page);
        Assert.Equal([IPAddress.Parse("10.9.0.1")], addresses);
        Assert.Equal(3, dns.UdpQueries); // A once (then from the cache), AAAA twice (an empty answer is not cached)
        await server;
    }
}
