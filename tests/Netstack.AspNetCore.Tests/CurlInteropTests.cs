using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Netstack.AspNetCore.Tests.Infrastructure;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Stack;

namespace Netstack.AspNetCore.Tests;

/// <summary>
/// The Linux kernel as the client: curl in a network namespace, through a TUN device, to Kestrel on the stack in this
/// process — HTTP/1.1, h2c (prior knowledge) and HTTPS. Skipped with the reason without root, /dev/net/tun or curl.
/// </summary>
public class CurlInteropTests
{
    [RequiresRootAndTunFact("curl")]
    public async Task Curl_in_a_namespace_gets_answers_from_kestrel_on_the_stack()
    {
        using NetnsFixture ns = NetnsFixture.Create();
        await using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24");
        using X509Certificate2 certificate = TestWeb.CreateCertificate(ns.StackV4);
        WebApplication? app = null;
        try
        {
            app = await TestWeb.StartAsync(stack, k =>
            {
                k.Listen(ns.StackV4, 8080, o => o.Protocols = HttpProtocols.Http1);
                k.Listen(ns.StackV4, 8081, o => o.Protocols = HttpProtocols.Http2);
                k.Listen(ns.StackV4, 8443, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2;
                    o.UseHttps(certificate);
                });
            });
            Assert.Equal("hello over the stack 1.1", Curl(ns, "http://{0}:8080/hello"));
            Assert.Equal("hello over the stack 2", Curl(ns, "http://{0}:8081/hello", "--http2-prior-knowledge"));
            Assert.Equal("hello over the stack 2", Curl(ns, "https://{0}:8443/hello", "-k"));
            Assert.Equal("hello over the stack 1.1", Curl(ns, "https://{0}:8443/hello", "-k", "--http1.1"));

            // A large body up, hashed by the server, through each kind of endpoint.
            string file = Path.Combine(Path.GetTempPath(), $"netstack-curl-{Environment.ProcessId}.bin");
            byte[] body = System.Security.Cryptography.RandomNumberGenerator.GetBytes(4 << 20);
            await File.WriteAllBytesAsync(file, body);
            try
            {
                string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body));
                Assert.Equal(hash + " 1.1", Curl(ns, "http://{0}:8080/sha256", "--data-binary", "@" + file));
                Assert.Equal(hash + " 2", Curl(ns, "http://{0}:8081/sha256", "--http2-prior-knowledge", "--data-binary", "@" + file));
                Assert.Equal(hash + " 2", Curl(ns, "https://{0}:8443/sha256", "-k", "--data-binary", "@" + file));
            }
            finally
            {
                File.Delete(file);
            }

            // A large body down: curl hashes what it got.
            string bytes = ns.Exec(TimeSpan.FromSeconds(60), null, "sh", "-c",
                $"curl -sS --fail --max-time 50 --http2-prior-knowledge http://{ns.StackV4}:8081/bytes/8388608 | sha256sum").Output;
            Assert.StartsWith(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(TestWeb.Pattern(8 << 20))).ToLowerInvariant(), bytes, StringComparison.Ordinal);
        }
        finally
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
            ns.Link.Dispose(); // the link's threads stop before the stack goes
        }
    }

    /// <summary>curl in the namespace; the body and the HTTP version curl used, space-separated.</summary>
    private static string Curl(NetnsFixture ns, string urlFormat, params string[] options)
    {
        string url = string.Format(System.Globalization.CultureInfo.InvariantCulture, urlFormat, ns.StackV4);
        ProcessRunner.Result r = ns.Exec(TimeSpan.FromSeconds(60), null, "curl", ["-sS", "--fail", "--max-time", "50", "-w", " %{http_version}", .. options, url]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Output;
    }
}
