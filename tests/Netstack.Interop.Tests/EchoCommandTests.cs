using System.Diagnostics;
using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests;

/// <summary>The <c>netstack echo</c> command as a process against real devices.</summary>
public class EchoCommandTests
{
    // Safety net only: nothing asserts how long anything takes.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Starts <c>netstack echo</c> inside the namespace, waits for its ready line and configures the kernel side of the device it created.</summary>
    internal static Process StartEcho(NetnsFixture ns, params string[] extra)
    {
        Process echo = ns.Track(NetstackProcess.Start(ns.ExecPrefix,
            ["echo", "--tun", ns.DeviceName, "--address", $"{ns.StackV4}/24", "--address", $"{ns.StackV6}/64", .. extra]));
        string? ready = NetstackProcess.ReadLine(echo, Patience);
        Assert.True(ready is not null && ready.StartsWith($"echo: ready on {ns.DeviceName} ", StringComparison.Ordinal),
            $"unexpected first line: {ready}; stderr: {(echo.HasExited ? echo.StandardError.ReadToEnd() : "")}");
        ns.ConfigureKernelSide();
        return echo;
    }

    [RequiresRootAndTunTheory("kill")]
    [InlineData("INT", "SIGINT")]
    [InlineData("TERM", "SIGTERM")]
    public void Echo_runs_until_a_signal_then_closes_the_device_and_exits_0(string signal, string name)
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        Process echo = StartEcho(ns);
        Assert.Equal(0, ns.Exec("ip", "link", "show", ns.DeviceName).ExitCode);

        NetstackProcess.Signal(echo, signal);
        Assert.True(echo.WaitForExit(Patience), "netstack echo did not stop");
        Assert.Equal(0, echo.ExitCode);
        Assert.Contains($"echo: stopped by {name}", echo.StandardOutput.ReadToEnd(), StringComparison.Ordinal);
        Assert.Equal("", echo.StandardError.ReadToEnd());
        Assert.NotEqual(0, ns.Exec("ip", "link", "show", ns.DeviceName).ExitCode); // created by echo, gone with it
    }

    [RequiresRootAndTunFact]
    public void Echo_sets_the_mtu_only_when_asked()
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        Process echo = StartEcho(ns, "--mtu", "9000");
        Assert.Equal("9000", ns.ReadDeviceAttribute("mtu"));
        NetstackProcess.Signal(echo, "TERM");
        Assert.True(echo.WaitForExit(Patience));
        Assert.Equal(0, echo.ExitCode);
    }

    [RequiresRootAndTunFact]
    public void A_device_that_cannot_be_opened_exits_1_with_one_line()
    {
        ProcessRunner.Result r = NetstackProcess.Run([], "echo", "--tun", "lo", "--address", "10.9.0.2/24");
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("netstack: echo: cannot open TUN device 'lo': ", line, StringComparison.Ordinal);
        Assert.Contains("EINVAL", line, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact("setpriv")]
    public void Without_CAP_NET_ADMIN_the_error_says_so()
    {
        string name = NetnsFixture.NewDeviceName('t');
        ProcessRunner.Result r = NetstackProcess.Run(
            ["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin"], "echo", "--tun", name, "--address", "10.9.0.2/24");
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("EPERM", line, StringComparison.Ordinal);
        Assert.Contains("needs CAP_NET_ADMIN", line, StringComparison.Ordinal);
        Assert.NotEqual(0, ProcessRunner.Run("ip", "link", "show", name).ExitCode);
    }
}
