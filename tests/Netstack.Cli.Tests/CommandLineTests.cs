namespace Netstack.Cli.Tests;

public class CommandLineTests
{
    [Fact]
    public void Help_lists_the_commands_and_exits_0()
    {
        CliRunner.Result r = CliRunner.RunInProcess("--help");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Contains("Commands:", r.Output, StringComparison.Ordinal);
        Assert.Contains("echo", r.Output, StringComparison.Ordinal);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void Echo_help_lists_its_options()
    {
        CliRunner.Result r = CliRunner.RunInProcess("echo", "--help");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        foreach (string option in new[] { "--tun", "--address", "--port", "--mtu", "--pcap", "--vnet-hdr", "--no-vnet-hdr" })
        {
            Assert.Contains(option, r.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Version_prints_the_assembly_version()
    {
        CliRunner.Result r = CliRunner.RunInProcess("--version");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        string expected = typeof(NetstackCli).Assembly.GetName().Version!.ToString(3);
        Assert.Equal(expected, r.Output.Trim());
    }

    [Theory]
    [InlineData(new string[0], "Required command")]
    [InlineData(new[] { "bogus" }, "'bogus'")]
    [InlineData(new[] { "--bogus" }, "'--bogus'")]
    [InlineData(new[] { "echo" }, "--tun")]
    [InlineData(new[] { "echo", "--tun", "tun0" }, "--address")]
    [InlineData(new[] { "echo", "--tun", "a/b", "--address", "10.0.0.2/24" }, "'a/b'")]
    [InlineData(new[] { "echo", "--tun", "abcdefghijklmnopq", "--address", "10.0.0.2/24" }, "interface name")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2" }, "'10.0.0.2'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/33" }, "'10.0.0.2/33'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "fd00::2/129" }, "'fd00::2/129'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--port", "0" }, "--port")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--port", "70000" }, "'70000'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--port", "x" }, "'x'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--mtu", "20" }, "--mtu")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--mtu" }, "--mtu")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--bogus", "1" }, "'--bogus'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "extra" }, "'extra'")]
    [InlineData(new[] { "echo", "--tun", "tun0", "--address", "10.0.0.2/24", "--vnet-hdr", "--no-vnet-hdr" }, "--vnet-hdr and --no-vnet-hdr")]
    public void Bad_command_lines_exit_2_with_one_error_line(string[] args, string mentioned)
    {
        CliRunner.Result r = CliRunner.RunInProcess(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        string line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("netstack: ", line, StringComparison.Ordinal);
        Assert.Contains(mentioned, line, StringComparison.Ordinal);
        Assert.Equal("", r.Output);
    }

    [Fact]
    public void Addresses_accept_v4_and_v6_with_a_prefix_only()
    {
        Assert.True(OptionParsers.TryParseInterfaceAddress("10.0.0.2/24", out var v4));
        Assert.Equal(24, v4.PrefixLength);
        Assert.Equal("10.0.0.2/24", v4.ToString());
        Assert.True(OptionParsers.TryParseInterfaceAddress("fd00::2/64", out var v6));
        Assert.True(v6.Address.IsV6);
        Assert.Equal(64, v6.PrefixLength);
        Assert.False(OptionParsers.TryParseInterfaceAddress("fe80::1%2/64", out _));
        Assert.False(OptionParsers.TryParseInterfaceAddress("/24", out _));
        Assert.False(OptionParsers.TryParseInterfaceAddress("10.0.0.2", out _));
        Assert.False(OptionParsers.TryParseInterfaceAddress("10.0.0.2/-1", out _));
        Assert.False(OptionParsers.TryParseInterfaceAddress("10.0.0.2/33", out _));
    }

    [Theory]
    [InlineData("tun0", true)]
    [InlineData("nst-tun.1", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("123456789012345", true)]
    [InlineData("1234567890123456", false)]
    public void Interface_names_follow_linux_rules(string name, bool valid) =>
        Assert.Equal(valid, Commands.EchoCommand.IsValidInterfaceName(name));

    [Fact]
    public void A_child_process_reports_an_unknown_option_on_one_line_with_exit_2()
    {
        CliRunner.Result r = CliRunner.RunProcess(TimeSpan.FromMinutes(1), "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.ErrorLines);
        Assert.Equal("netstack: unrecognized command or option '--no-such-option'. (see 'netstack --help')", line);
    }

    [Fact]
    public void A_child_process_prints_the_version()
    {
        CliRunner.Result r = CliRunner.RunProcess(TimeSpan.FromMinutes(1), "--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+\s*$", r.Output);
    }
}
