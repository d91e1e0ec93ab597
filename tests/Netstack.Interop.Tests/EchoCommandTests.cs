using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests;

/// <summary>The <c>netstack echo</c> command as a process against real devices.</summary>
public class EchoCommandTests
{
    [RequiresRootAndTunTheory("kill")]
    [InlineData("INT", "SIGINT")]
    [InlineData("TERM", "SIGTERM")]
    public void Echo_runs_until_a_signal_then_closes_the_device_and_exits_0(string signal, string name)
    {
        using EchoProcess echo = EchoProcess.Start();
        Assert.Equal(0, echo.Ns.Exec("ip", "link", "show", echo.Ns.DeviceName).ExitCode);

        ProcessRunner.Result r = echo.Stop(signal);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"echo: stopped by {name}", r.Output, StringComparison.Ordinal);
        Assert.Equal("", r.Error);
        Assert.NotEqual(0, echo.Ns.Exec("ip", "link", "show", echo.Ns.DeviceName).ExitCode); // created by echo, gone with it
    }

    /// <summary>
    /// A shell without job control starts <c>cmd &amp;</c> with SIGINT ignored, and .NET then installs no handler for it:
    /// echo must still stop on <c>kill -INT</c> (it makes SIGINT deliverable again before registering).
    /// </summary>
    [RequiresRootAndTunFact("kill", "python3")]
    public void Echo_started_with_sigint_ignored_still_stops_on_sigint()
    {
        string[] ignoringSigint = ["python3", "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); os.execvp(sys.argv[1], sys.argv[1:])"];
        using EchoProcess echo = EchoProcess.StartWrapped(ignoringSigint);
        ProcessRunner.Result r = echo.Stop("INT");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("echo: stopped by SIGINT", r.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact("kill")]
    public void Echo_sets_the_mtu_only_when_asked_and_uses_vnet_hdr_by_default()
    {
        using (EchoProcess echo = EchoProcess.Start("--mtu", "9000"))
        {
            Assert.Contains("(mtu 9000, vnet_hdr)", echo.ReadyLine, StringComparison.Ordinal);
            Assert.Equal("9000", echo.Ns.ReadDeviceAttribute("mtu"));
            Assert.Equal(0, echo.Stop().ExitCode);
        }
        using (EchoProcess echo = EchoProcess.Start())
        {
            Assert.Contains("(mtu 1500, vnet_hdr)", echo.ReadyLine, StringComparison.Ordinal);
            Assert.Equal(0, echo.Stop().ExitCode);
        }
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
