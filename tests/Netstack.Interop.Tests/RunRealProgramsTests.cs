using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Netstack.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Netstack.Interop.Tests;

/// <summary>
/// Real programs inside <c>netstack run</c> against real servers on the host namespace's loopback, through the
/// gateway (issue 9, "Acceptance"): curl, iperf3 both ways, nginx with <c>ab -c 5 -n 100</c> on a 10 MiB file,
/// sockperf ping-pong. IPv4 and IPv6 (sockperf: IPv4). The numbers (Gbit/s, requests/s, latency) go to the test output; they are
/// measured, not asserted (bench/compare.sh is where they are compared).
/// </summary>
[Collection(ForwardingWorld.Collection)]
public partial class RunRealProgramsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Gateway(bool v6) => v6 ? ForwardingWorld.Gateway6 : ForwardingWorld.Gateway4;

    /// <summary>The gateway as a URL's host (IPv6 in brackets).</summary>
    private static string UrlHost(bool v6) => v6 ? $"[{ForwardingWorld.Gateway6}]" : ForwardingWorld.Gateway4;

    private static string Loopback(bool v6) => v6 ? "::1" : "127.0.0.1";

    private static string WriteRandomFile(ForwardingWorld world, string name, int size)
    {
        string www = Path.Combine(world.Directory.FullName, "www");
        Directory.CreateDirectory(www);
        byte[] data = RandomNumberGenerator.GetBytes(size);
        File.WriteAllBytes(Path.Combine(www, name), data);
        return Convert.ToHexStringLower(SHA256.HashData(data));
    }

    [RequiresRootAndTunTheory("python3", "curl", "sha256sum", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Curl_fetches_a_file_from_a_host_loopback_http_server(bool v6)
    {
        using var world = new ForwardingWorld();
        string hash = WriteRandomFile(world, "file.bin", 20 * 1024 * 1024);
        int port = world.FreeHostPort(v6);
        world.StartInHost(ForwardingWorld.Python, "-m", "http.server", "--bind", Loopback(v6), "--directory", Path.Combine(world.Directory.FullName, "www"), port.ToString(CultureInfo.InvariantCulture));
        world.WaitForHostPort(port, Timeout, v6);
        ProcessRunner.Result result = world.RunInside(output, [], "sh", "-c",
            $"curl -gsS --fail http://{UrlHost(v6)}:{port}/file.bin | sha256sum");
        Assert.StartsWith(hash + " ", result.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunTheory("iperf3", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Iperf3_runs_both_ways_through_the_gateway(bool v6)
    {
        using var world = new ForwardingWorld();
        int port = world.FreeHostPort(v6);
        world.StartInHost("iperf3", "-s", "-B", Loopback(v6), "-p", port.ToString(CultureInfo.InvariantCulture));
        world.WaitForHostPort(port, Timeout, v6);
        foreach (bool reverse in new[] { false, true })
        {
            ProcessRunner.Result result = world.RunInside(output, [], ["iperf3", "-c", Gateway(v6), "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "2", "-J", .. reverse ? new[] { "-R" } : []]);
            using JsonDocument json = JsonDocument.Parse(result.Output);
            JsonElement end = json.RootElement.GetProperty("end");
            double bits = end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
            long bytes = end.GetProperty("sum_received").GetProperty("bytes").GetInt64();
            output.WriteLine($"iperf3 IPv{(v6 ? 6 : 4)} {(reverse ? "host to namespace (-R)" : "namespace to host")}: {bits / 1e9:F2} Gbit/s ({bytes} bytes)");
            Assert.True(bytes > 0, result.ToString());
        }
    }

    [RequiresRootAndTunTheory("nginx", "ab", "nsenter", "unshare")]
    [InlineData(false)]
    [InlineData(true)]
    public void Ab_fetches_a_10_MiB_file_100_times_from_nginx(bool v6)
    {
        using var world = new ForwardingWorld();
        WriteRandomFile(world, "10m.bin", 10 * 1024 * 1024);
        int port = world.FreeHostPort(v6);
        string dir = world.Directory.FullName;
        string config = Path.Combine(dir, "nginx.conf");
        // Everything nginx writes stays in the test's directory; it listens on the host namespace's loopback only.
        File.WriteAllText(config, $$"""
            daemon off;
            user root;
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/nginx-error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{dir}}/client_body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                sendfile on;
                server {
                    listen {{(v6 ? "[::1]" : "127.0.0.1")}}:{{port}};
                    root {{dir}}/www;
                }
            }
            """);
        world.StartInHost("nginx", "-c", config, "-p", dir);
        world.WaitForHostPort(port, Timeout, v6);
        ProcessRunner.Result result = world.RunInside(output, [], "ab", "-q", "-c", "5", "-n", "100", $"http://{UrlHost(v6)}:{port}/10m.bin");
        Assert.Matches(@"Complete requests:\s+100\n", result.Output);
        Assert.Matches(@"Failed requests:\s+0\n", result.Output);
        Assert.Matches(@"Document Length:\s+10485760 bytes", result.Output);
        output.WriteLine($"ab IPv{(v6 ? 6 : 4)} 10 MiB: {RequestsPerSecond().Match(result.Output).Groups[1].Value} requests/s");
    }

    /// <summary>IPv4 only: Debian's sockperf (3.7) takes no IPv6 address.</summary>
    [RequiresRootAndTunFact("sockperf", "nsenter", "unshare")]
    public void Sockperf_ping_pong_through_the_gateway_over_UDP_and_TCP()
    {
        using var world = new ForwardingWorld();
        int port = world.FreeHostPort(false);
        string p = port.ToString(CultureInfo.InvariantCulture);
        world.StartInHost("sockperf", "server", "-i", "127.0.0.1", "-p", p);
        world.StartInHost("sockperf", "server", "--tcp", "-i", "127.0.0.1", "-p", p);
        world.WaitForHostPort(port, Timeout);
        foreach (string[] tcp in new[] { Array.Empty<string>(), ["--tcp"] })
        {
            ProcessRunner.Result result = world.RunInside(output, [], ["sockperf", "ping-pong", .. tcp, "-i", ForwardingWorld.Gateway4, "-p", p, "-t", "2"]);
            Match latency = AverageLatency().Match(result.Output);
            Assert.True(latency.Success, result.ToString());
            output.WriteLine($"sockperf ping-pong {(tcp.Length > 0 ? "TCP" : "UDP")}: average latency {latency.Groups[1].Value} usec");
        }
    }

    [GeneratedRegex(@"Requests per second:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"avg-(?:latency|rtt)=([0-9.]+)")]
    private static partial Regex AverageLatency();
}
