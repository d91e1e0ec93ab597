using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests;

/// <summary>
/// <c>netstack bench --tun</c> against the stock iperf3 in a namespace: iperf3 -c (with --json) against our
/// server in both directions and with parallel streams, and our client against iperf3 -s. A test passes when
/// iperf3's JSON has no "error" and moved bytes; nothing asserts a speed.
/// </summary>
public class BenchIperf3Tests
{
    // Safety nets only: nothing asserts how long anything takes.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TestPatience = TimeSpan.FromSeconds(90);

    private static Process StartServer(NetnsFixture ns, params string[] extra)
    {
        Process server = ns.Track(NetstackProcess.Start(ns.ExecPrefix,
            ["bench", "--tun", ns.DeviceName, "--address", $"{ns.StackV4}/24", "--address", $"{ns.StackV6}/64", "--server", "--json", .. extra]));
        string? ready = NetstackProcess.ReadLine(server, Patience);
        Assert.True(ready is not null && ready.StartsWith($"bench: iperf3 server ready on {ns.DeviceName} ", StringComparison.Ordinal),
            $"unexpected first line: {ready}; stderr: {(server.HasExited ? server.StandardError.ReadToEnd() : "")}");
        ns.ConfigureKernelSide();
        return server;
    }

    /// <summary>Runs the stock client in the namespace and returns its parsed --json output after checking it reports no error.</summary>
    private static JsonDocument RunStockClient(NetnsFixture ns, string host, params string[] args)
    {
        ProcessRunner.Result r = ns.Exec(TestPatience, null, "iperf3", ["-c", host, "--json", .. args]);
        JsonDocument json = JsonDocument.Parse(r.Output);
        Assert.False(json.RootElement.TryGetProperty("error", out JsonElement error), $"iperf3 reported: {error}");
        Assert.True(r.ExitCode == 0, r.ToString());
        return json;
    }

    private static void StopServer(Process server, int expectedTests)
    {
        // The server prints a test's report after the client has its results and may already have exited, so
        // wait for every report line before asking the server to stop.
        var lines = new List<string>();
        for (int i = 0; i < expectedTests; i++)
        {
            string? line = NetstackProcess.ReadLine(server, Patience);
            Assert.True(line is not null, $"report {i + 1} of {expectedTests} never came");
            lines.Add(line);
        }
        NetstackProcess.Signal(server, "TERM");
        Assert.True(server.WaitForExit(Patience), "netstack bench did not stop");
        Assert.Equal(0, server.ExitCode);
        lines.AddRange(server.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(expectedTests, lines.Count);
        foreach (string line in lines)
        {
            using JsonDocument report = JsonDocument.Parse(line);
            Assert.True(report.RootElement.GetProperty("bytes").GetInt64() > 0, line);
        }
        Assert.Equal("", server.StandardError.ReadToEnd());
    }

    [RequiresRootAndTunTheory("iperf3")]
    [InlineData("10", false)]
    [InlineData("3", true)]
    public void Stock_iperf3_client_against_our_server(string seconds, bool reverse)
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        Process server = StartServer(ns);
        using JsonDocument json = RunStockClient(ns, ns.StackV4.ToString(), reverse ? ["-t", seconds, "-R"] : ["-t", seconds]);
        JsonElement end = json.RootElement.GetProperty("end");
        Assert.True(end.GetProperty("sum_sent").GetProperty("bytes").GetInt64() > 0);
        Assert.True(end.GetProperty("sum_received").GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(reverse ? 1 : 0, json.RootElement.GetProperty("start").GetProperty("test_start").GetProperty("reverse").GetInt32());
        StopServer(server, expectedTests: 1);
    }

    [RequiresRootAndTunTheory("iperf3")]
    [InlineData(false)]
    [InlineData(true)]
    public void Omitted_seconds_are_left_out_like_a_stock_server_does(bool reverse)
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        Process server = StartServer(ns, "--vnet-hdr");
        using (JsonDocument json = RunStockClient(ns, ns.StackV4.ToString(), reverse ? ["-t", "2", "-O", "2", "-R"] : ["-t", "2", "-O", "2"]))
        {
            JsonElement end = json.RootElement.GetProperty("end");
            Assert.True(end.GetProperty("sum_received").GetProperty("bytes").GetInt64() > 0);
            // The receiver's interval (ours or the kernel's) covers the 2 counted seconds, not the 4 of the run.
            Assert.InRange(end.GetProperty("sum_received").GetProperty("seconds").GetDouble(), 0.5, 3.5);
        }
        string? line = NetstackProcess.ReadLine(server, Patience);
        Assert.NotNull(line);
        using (JsonDocument report = JsonDocument.Parse(line))
        {
            Assert.InRange(report.RootElement.GetProperty("seconds").GetDouble(), 0.5, 3.5);
            Assert.True(report.RootElement.GetProperty("bytes").GetInt64() > 0, line);
        }
        NetstackProcess.Signal(server, "TERM");
        Assert.True(server.WaitForExit(Patience), "netstack bench did not stop");
        Assert.Equal(0, server.ExitCode);
    }

    [RequiresRootAndTunTheory("iperf3")]
    [InlineData(false, "--vnet-hdr", "--mtu", "65520")]
    [InlineData(true, "--vnet-hdr")]
    [InlineData(true, "--no-offload")]
    public void Offload_switches_keep_the_protocol_working(bool reverse, params string[] options)
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        Process server = StartServer(ns, options);
        using (JsonDocument json = RunStockClient(ns, ns.StackV4.ToString(), reverse ? ["-t", "2", "-R"] : ["-t", "2"]))
        {
            Assert.True(json.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bytes").GetInt64() > 0);
        }
        StopServer(server, expectedTests: 1);
    }

    [RequiresRootAndTunTheory("iperf3")]
    [InlineData(false)]
    [InlineData(true)]
    public void Four_parallel_streams_over_ipv6_then_another_test(bool reverse)
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        Process server = StartServer(ns);
        using (JsonDocument json = RunStockClient(ns, ns.StackV6.ToString(), reverse ? ["-t", "3", "-P", "4", "-R"] : ["-t", "3", "-P", "4"]))
        {
            JsonElement end = json.RootElement.GetProperty("end");
            Assert.Equal(4, end.GetProperty("streams").GetArrayLength());
            foreach (JsonElement stream in end.GetProperty("streams").EnumerateArray())
            {
                Assert.True(stream.GetProperty("receiver").GetProperty("bytes").GetInt64() > 0);
            }
        }
        // The server goes back to listening after a test.
        using (RunStockClient(ns, ns.StackV4.ToString(), "-t", "1"))
        {
        }
        StopServer(server, expectedTests: 2);
    }

    [RequiresRootAndTunTheory("iperf3")]
    [InlineData(false, "1", 0)]
    [InlineData(true, "4", 0)]
    [InlineData(false, "1", 2)] // -O 2: neither side counts the first two seconds of the five
    public void Our_client_against_stock_iperf3_server(bool reverse, string streams, int omit)
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        // A persistent device configured before netstack attaches, so its first SYN finds the kernel ready.
        ns.Exec("ip", "tuntap", "add", "dev", ns.DeviceName, "mode", "tun");
        ns.ConfigureKernelSide();
        Process kernel = ns.Start("iperf3", "-s", "-1", "--json");
        // iperf3 -s prints nothing until a test ends; wait until it listens.
        for (int i = 0; i < 600 && !ns.Exec("ss", "-Htln", "sport = :5201").Output.Contains("5201", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(100);
        }

        string[] args = ["bench", "--tun", ns.DeviceName, "--address", $"{ns.StackV4}/24", "--client", ns.KernelV4.ToString(),
            "--duration", "3", "--streams", streams, "--omit", omit.ToString(CultureInfo.InvariantCulture), "--json", .. (reverse ? new[] { "--reverse" } : [])];
        string[] line = NetstackProcess.CommandLine(ns.ExecPrefix, args);
        ProcessRunner.Result r = ProcessRunner.Run(TestPatience, null, line[0], line[1..]);
        Assert.True(r.ExitCode == 0, r.ToString());
        using JsonDocument ours = JsonDocument.Parse(r.Output);
        Assert.Equal(reverse ? "peer" : "netstack", ours.RootElement.GetProperty("sender").GetString());
        Assert.Equal(int.Parse(streams, CultureInfo.InvariantCulture), ours.RootElement.GetProperty("streams").GetInt32());
        Assert.True(ours.RootElement.GetProperty("bytes").GetInt64() > 0);

        Assert.True(kernel.WaitForExit(Patience), "iperf3 -s -1 did not finish its one test");
        using JsonDocument theirs = JsonDocument.Parse(kernel.StandardOutput.ReadToEnd());
        Assert.False(theirs.RootElement.TryGetProperty("error", out JsonElement error), $"iperf3 -s reported: {error}");
        // A stock server reports only its own side (kernel against kernel too): what it sent with -R, else what it received.
        string side = reverse ? "sum_sent" : "sum_received";
        Assert.True(theirs.RootElement.GetProperty("end").GetProperty(side).GetProperty("bytes").GetInt64() > 0);
        // Both count the 3 measured seconds only, whatever was omitted before them.
        Assert.InRange(theirs.RootElement.GetProperty("end").GetProperty(side).GetProperty("seconds").GetDouble(), 2.5, 3.5);
        Assert.InRange(ours.RootElement.GetProperty("seconds").GetDouble(), 2.5, 3.5);
    }
}
