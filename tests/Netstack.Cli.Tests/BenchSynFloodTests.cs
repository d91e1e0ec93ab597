using System.Text.Json;

namespace Netstack.Cli.Tests;

/// <summary>
/// <c>netstack bench --syn-flood N</c> (issue 11 item 7): spoofed SYNs at a listener while a client connects 100 times.
/// The figures come from a stepped clock, so the counts are exact; the memory and wall figures are only checked for
/// presence. Runs alone, like <see cref="BenchConnectionsTests"/>: its heap figures are the process's.
/// </summary>
[Collection(nameof(BenchConnectionsTests))]
public class BenchSynFloodTests
{
    [Fact]
    public void Every_legitimate_connect_succeeds_through_the_flood_and_nothing_is_left()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--syn-flood", "20000", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error + r.Output);
        using JsonDocument json = JsonDocument.Parse(r.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("syn_flood", root.GetProperty("mode").GetString());
        Assert.Equal(20000, root.GetProperty("syns").GetInt32());
        Assert.Equal(100, root.GetProperty("attempts").GetInt32());
        Assert.Equal(100, root.GetProperty("succeeded").GetInt32());
        Assert.True(root.GetProperty("cookies_sent").GetInt64() > 10_000);
        Assert.True(root.GetProperty("peak_server_connections").GetInt32() <= root.GetProperty("backlog").GetInt32() + 2);
        Assert.Equal(0, root.GetProperty("connections_left").GetInt32());
        Assert.Equal(0, root.GetProperty("buffers_left").GetInt64());
    }

    [Fact]
    public void The_text_report_gives_the_connects_and_the_memory()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--syn-flood", "2000");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        Assert.Contains("100/100 connects succeeded", r.Output, StringComparison.Ordinal);
        Assert.Contains("managed heap", r.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bench", "--syn-flood", "0")]
    [InlineData("bench", "--syn-flood", "x")]
    [InlineData("bench", "--syn-flood", "10000001")]
    [InlineData("bench", "--syn-flood", "10", "--connections", "5")]
    [InlineData("bench", "--syn-flood", "10", "--bytes", "1M")]
    [InlineData("bench", "--syn-flood", "10", "--tun", "tun9", "--server", "--address", "10.9.0.2/24")]
    public void Bad_input_gets_one_line_and_exit_2(params string[] args)
    {
        CliRunner.Result r = CliRunner.RunInProcess(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
        Assert.Contains("--syn-flood", r.Error, StringComparison.Ordinal);
    }
}
