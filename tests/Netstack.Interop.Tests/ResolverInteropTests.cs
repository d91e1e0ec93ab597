using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.NameResolution;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Interop.Tests;

/// <summary>
/// <see cref="DnsResolver"/> on a stack on a TUN device, asking a DNS server run by the kernel inside the test's own
/// namespace (<c>Scripts/dns_server.py</c>; never the machine's resolver), over UDP and, when the server truncates,
/// over TCP; and HttpClient fetching by name from python's http.server in the same namespace.
/// </summary>
public class ResolverInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [RequiresRootAndTunTheory("python3")]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Names_resolve_against_a_kernel_dns_server(bool v6Server, bool truncateUdp)
    {
        using NetnsFixture ns = NetnsFixture.Create();
        using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
        try
        {
            IPAddress server = v6Server ? ns.KernelV6 : ns.KernelV4;
            StartDnsServer(ns, server, "interop.test", "192.0.2.7", "2001:db8::7", truncateUdp);
            using var patience = new CancellationTokenSource(Patience);
            var resolver = new DnsResolver(stack, new DnsResolverOptions { Servers = [new IPEndPoint(server, 53)], CacheSize = 0 });

            // Neither address is routable from the stack (no default route): IPv6 first, as RFC 6724 orders them.
            Assert.Equal([IPAddress.Parse("2001:db8::7"), IPAddress.Parse("192.0.2.7")],
                await resolver.ResolveAsync("Interop.Test", AddressFamily.Unspecified, patience.Token));
            SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
                await resolver.ResolveAsync("other.test", AddressFamily.InterNetwork, patience.Token));
            Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
            // Over TCP only when truncated: the connections the stack opened say which.
            Assert.Equal(truncateUdp ? 3 : 0, stack.GetStatistics().Tcp.ActiveOpens); // A, AAAA, and the A of other.test
        }
        finally
        {
            ns.Link.Dispose(); // the link's threads stop before the stack goes
        }
    }

    [RequiresRootAndTunFact("python3")]
    public async Task HttpClient_fetches_by_name_from_a_kernel_web_server()
    {
        using NetnsFixture ns = NetnsFixture.Create();
        using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
        string root = Directory.CreateTempSubdirectory("nst-dns-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "hello.txt"), "hello from the namespace");
            StartDnsServer(ns, ns.KernelV4, "web.interop.test", ns.KernelV4.ToString(), ns.KernelV6.ToString(), truncateUdp: false);
            Process web = ns.Start(ForwardingWorld.Python, "-u", "-m", "http.server", "8080", "--bind", "::", "--directory", root);
            ForwardingWorld.WaitForLine(web, "Serving HTTP", Patience);
            using var patience = new CancellationTokenSource(Patience);

            using var http = new HttpClient(stack.CreateHttpHandler(new DnsResolver(stack, ns.KernelV4)));
            string body = await http.GetStringAsync(new Uri("http://web.interop.test:8080/hello.txt"), patience.Token);

            Assert.Equal("hello from the namespace", body);
        }
        finally
        {
            ns.Link.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    private static void StartDnsServer(NetnsFixture ns, IPAddress bind, string name, string a, string aaaa, bool truncateUdp)
    {
        Process server = ns.Start(ForwardingWorld.Python, ForwardingWorld.Script("dns_server.py"), bind.ToString(), "53", name, a, aaaa, truncateUdp ? "tc" : "-");
        ForwardingWorld.WaitForLine(server, "ready", Patience);
    }
}
