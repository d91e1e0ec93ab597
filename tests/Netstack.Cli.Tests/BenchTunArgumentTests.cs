using Netstack.Cli.Bench;
using Netstack.Cli.Bench.Iperf3;

namespace Netstack.Cli.Tests;

/// <summary>The command line of <c>netstack bench --tun</c> (iperf3 server/client): every misuse is one line and exit 2.</summary>
public class BenchTunArgumentTests
{
    [Theory]
    [InlineData("--server and --client cannot be given together", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--client", "10.9.0.1")]
    [InlineData("--server needs --tun", "--server")]
    [InlineData("--client needs --tun", "--client", "10.9.0.1")]
    [InlineData("--tun needs --server or --client", "--tun", "t0", "--address", "10.9.0.2/24")]
    [InlineData("--tun needs --address", "--tun", "t0", "--server")]
    [InlineData("--loss applies to the in-process bench only", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--loss", "0.1")]
    [InlineData("--verify applies to the in-process bench only", "--tun", "t0", "--address", "10.9.0.2/24", "--client", "10.9.0.1", "--verify")]
    [InlineData("--streams is chosen by the iperf3 client", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--streams", "4")]
    [InlineData("--reverse is chosen by the iperf3 client", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--reverse")]
    [InlineData("--one-off applies to --server only", "--tun", "t0", "--address", "10.9.0.2/24", "--client", "10.9.0.1", "--one-off")]
    [InlineData("--omit is chosen by the iperf3 client", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--omit", "2")]
    [InlineData("--omit applies to timed runs (--duration), not with --bytes", "--bytes", "10M", "--omit", "1")]
    [InlineData("--omit must be a number of seconds from 0 to 600", "--omit", "-1")]
    [InlineData("--reverse needs --tun", "--reverse")]
    [InlineData("--queues needs --tun", "--queues", "2")]
    [InlineData("--no-vnet-hdr needs --tun", "--no-vnet-hdr")]
    [InlineData("--vnet-hdr and --no-vnet-hdr cannot be given together", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--vnet-hdr", "--no-vnet-hdr")]
    [InlineData("--vnet-hdr and --no-offload cannot be given together", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--vnet-hdr", "--no-offload")]
    [InlineData("--client must be an IPv4 or IPv6 address", "--tun", "t0", "--address", "10.9.0.2/24", "--client", "example.org")]
    [InlineData("--port must be an integer from 1 to 65535", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--port", "0")]
    [InlineData("--queues must be an integer from 1 to 64", "--tun", "t0", "--address", "10.9.0.2/24", "--server", "--queues", "0")]
    [InlineData("is not a valid interface name", "--tun", "a/b", "--address", "10.9.0.2/24", "--server")]
    public void Misuse_gets_one_line_and_exit_2(string expected, params string[] args)
    {
        CliRunner.Result r = CliRunner.RunInProcess(["bench", .. args]);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        string line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("netstack: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Equal("", r.Output);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 5)]
    public void Stream_ids_follow_iperf3(int index1Based, int id) =>
        Assert.Equal(id, Iperf3DataStreams.StreamId(index1Based - 1));

    [Theory]
    [InlineData(0, "0.00 Bytes")]
    [InlineData(1536, "1.50 KBytes")]
    [InlineData(600_000_000, "572 MBytes")]
    public void Bytes_are_formatted_like_iperf3(double bytes, string expected) =>
        Assert.Equal(expected, TunBenchReport.FormatBytes(bytes));

    [Theory]
    [InlineData(944_000_000, "944 Mbits/sec")]
    [InlineData(1_600_000_000, "1.60 Gbits/sec")]
    public void Bitrates_are_formatted_like_iperf3(double bits, string expected) =>
        Assert.Equal(expected, TunBenchReport.FormatBits(bits));
}
