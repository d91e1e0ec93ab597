using System.Text.Json;

namespace Netstack.Cli.Tests;

/// <summary>
/// <c>netstack bench --connections</c>, in process. Its memory figure is the process's managed heap growth, so these
/// tests run alone: another test allocating or freeing at the same time would move it (it was once negative).
/// </summary>
[Collection(nameof(BenchConnectionsTests))]
public class BenchConnectionsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Connections_are_opened_and_their_memory_reported(bool idle)
    {
        string[] args = idle ? ["bench", "--connections", "300", "--idle", "--json"] : ["bench", "--connections", "300", "--json"];
        CliRunner.Result r = CliRunner.RunInProcess(args);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        using JsonDocument json = JsonDocument.Parse(r.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("connections", root.GetProperty("mode").GetString());
        Assert.Equal(300, root.GetProperty("connections").GetInt32());
        Assert.Equal(300, root.GetProperty("established").GetInt64());
        Assert.Equal(idle, root.GetProperty("idle").GetBoolean());
        Assert.Equal(1, root.GetProperty("listener_ports").GetInt32());
        Assert.True(root.GetProperty("bytes_per_connection").GetDouble() > 0);
        Assert.Equal(root.GetProperty("bytes_per_connection").GetDouble() / 2, root.GetProperty("bytes_per_end").GetDouble(), tolerance: 0.1); // each is printed rounded to 0.1
        Assert.Equal(0, root.GetProperty("held_packet_buffers").GetInt64());
    }

    [Fact]
    public void The_text_report_names_both_ends()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--connections", "50", "--idle");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        Assert.Contains("50 established", r.Output, StringComparison.Ordinal);
        Assert.Contains("bytes for both ends", r.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bench", "--connections", "0")]
    [InlineData("bench", "--connections", "1000001")]
    [InlineData("bench", "--connections", "x")]
    [InlineData("bench", "--idle")]
    [InlineData("bench", "--connections", "10", "--bytes", "1M")]
    [InlineData("bench", "--connections", "10", "--streams", "2")]
    [InlineData("bench", "--connections", "10", "--loss", "0.1")]
    [InlineData("bench", "--connections", "10", "--tun", "tun9", "--server", "--address", "10.9.0.2/24")]
    [InlineData("bench", "--idle", "--tun", "tun9", "--client", "10.9.0.1", "--address", "10.9.0.2/24")]
    public void Bad_combinations_get_one_line_and_exit_2(params string[] args)
    {
        CliRunner.Result r = CliRunner.RunInProcess(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
        Assert.True(r.Error.Contains("--connections", StringComparison.Ordinal) || r.Error.Contains("--idle", StringComparison.Ordinal), r.Error);
    }
}

/// <summary>Runs <see cref="BenchConnectionsTests"/> with no other test class in parallel.</summary>
[CollectionDefinition(nameof(BenchConnectionsTests), DisableParallelization = true)]
public sealed class BenchConnectionsCollection;
