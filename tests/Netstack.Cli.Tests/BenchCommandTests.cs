using System.Text.Json;
using Netstack.Cli.Bench;

namespace Netstack.Cli.Tests;

public class BenchCommandTests
{
    [Theory]
    [InlineData("--loss", "2")]
    [InlineData("--loss", "-0.1")]
    [InlineData("--reorder", "x")]
    [InlineData("--bytes", "12Q")]
    [InlineData("--bytes", "0")]
    [InlineData("--streams", "0")]
    [InlineData("--mtu", "100")]
    [InlineData("--duration", "0")]
    [InlineData("--congestion", "bbr")]
    public void Bad_values_get_one_line_and_exit_2(string option, string value)
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", option, value);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
        Assert.Contains(option, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_congestion_control_names_the_known_ones()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--congestion", "vegas");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("cubic, reno, newreno", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reno")]
    [InlineData("CUBIC")]
    public void A_known_congestion_control_runs(string name)
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--bytes", "1M", "--congestion", name, "--verify", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
    }

    [Fact]
    public void Gso_and_no_gso_together_are_rejected()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--gso", "--no-gso");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
    }

    [Theory]
    [InlineData("65536", 65536L)]
    [InlineData("512K", 512L * 1024)]
    [InlineData("100M", 100L << 20)]
    [InlineData("1.5G", 3L << 29)]
    public void Sizes_use_1024_based_suffixes(string text, long expected)
    {
        Assert.True(ValueParsers.TryParseSize(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("--gso")]
    [InlineData("--no-gso")]
    public void A_verified_transfer_reports_json_with_every_byte(string gso)
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--bytes", "4M", "--streams", "2", gso, "--verify", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        using JsonDocument json = JsonDocument.Parse(r.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(4L << 20, root.GetProperty("bytes").GetInt64());
        Assert.True(root.GetProperty("verified").GetBoolean());
        Assert.Equal(gso == "--gso", root.GetProperty("gso").GetBoolean());
        Assert.True(root.GetProperty("segments").GetInt64() > 0);
    }

    [Fact]
    public void A_timed_run_counts_only_after_the_omitted_start()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--duration", "0.5", "--omit", "0.25", "--verify", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        using JsonDocument json = JsonDocument.Parse(r.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(0.25, root.GetProperty("omitted_seconds").GetDouble());
        Assert.True(root.GetProperty("bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public void An_impaired_transfer_still_delivers_every_byte()
    {
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--bytes", "1M", "--loss", "0.01", "--duplicate", "0.01", "--verify", "--json", "--seed", "7");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        using JsonDocument json = JsonDocument.Parse(r.Output);
        Assert.Equal(1L << 20, json.RootElement.GetProperty("bytes").GetInt64());
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public void Corruption_on_an_offloading_link_is_caught_by_the_checksum(int seed)
    {
        // GSO super-segments cross the in-memory link whole; the impairer must damage a wire packet after its
        // checksum is computed, and the receiver must not trust a flag over damaged bytes (issue 11).
        CliRunner.Result r = CliRunner.RunInProcess("bench", "--bytes", "20M", "--loss", "0.02", "--corrupt", "0.01", "--verify", "--json", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(r.ExitCode == ExitCodes.Success, r.Error);
        using JsonDocument json = JsonDocument.Parse(r.Output);
        Assert.True(json.RootElement.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public void The_pattern_detects_a_flipped_byte()
    {
        var pattern = new TestPattern(3);
        byte[] data = pattern.At(12345, 5000).ToArray();
        Assert.True(pattern.Matches(12345, data));
        data[4321] ^= 1;
        Assert.False(pattern.Matches(12345, data));
    }
}
