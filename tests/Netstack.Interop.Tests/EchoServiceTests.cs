using System.Globalization;
using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests;

/// <summary>
/// The stack as a server for the Linux kernel: <c>netstack echo</c> in a namespace, the kernel's ping, UDP and
/// TCP sockets as clients.
/// </summary>
public class EchoServiceTests
{
    private static string Family(bool v6) => v6 ? "-6" : "-4";

    [RequiresRootAndTunTheory("ping", "kill")]
    [InlineData(false, 56)]
    [InlineData(false, 3000)] // fragmented both ways
    [InlineData(true, 56)]
    [InlineData(true, 3000)]
    public void Pings_are_answered(bool v6, int size)
    {
        using EchoProcess echo = EchoProcess.Start();
        ProcessRunner.Result r = echo.Ns.Exec("ping", Family(v6), "-n", "-c", "3", "-W", "10", "-s", size.ToString(CultureInfo.InvariantCulture), echo.Address(v6).ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("3 received", r.Output, StringComparison.Ordinal);
        Assert.Equal(0, echo.Stop().ExitCode);
    }

    [RequiresRootAndTunTheory("python3", "kill")]
    [InlineData(false, 1)]
    [InlineData(false, 1472)]
    [InlineData(false, 3000)] // fragmented both ways
    [InlineData(true, 1)]
    [InlineData(true, 1452)]
    [InlineData(true, 3000)]
    public void Udp_datagrams_are_echoed(bool v6, int size)
    {
        using EchoProcess echo = EchoProcess.Start();
        ProcessRunner.Result r = KernelPeer.UdpEcho(echo.Ns, echo.Address(v6), 7, size, count: 10);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ok", r.Output.Trim());
        ProcessRunner.Result stopped = echo.Stop();
        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains("10 UDP datagrams", stopped.Output, StringComparison.Ordinal);
    }

    [RequiresRootAndTunTheory("python3", "kill")]
    [InlineData(false)]
    [InlineData(true)]
    public void Echo_serves_another_port_when_asked(bool v6)
    {
        using EchoProcess echo = EchoProcess.Start("--port", "5007");
        Assert.Equal("ok", KernelPeer.UdpEcho(echo.Ns, echo.Address(v6), 5007, 100).Output.Trim());
        Assert.Equal("refused", KernelPeer.TcpConnect(echo.Ns, echo.Address(v6), 7).Output.Trim());
        Assert.Equal(0, KernelPeer.TcpEcho(echo.Ns, echo.Address(v6), 5007, 10_000).ExitCode);
    }

    /// <summary>
    /// The client sends everything, then half-closes (SHUT_WR) and reads to end of stream: it passes only if every
    /// byte comes back in order (SHA-256 of both directions) and the server's FIN follows the last byte.
    /// </summary>
    [RequiresRootAndTunTheory("python3", "kill")]
    [InlineData(false, 1500, 1_000_000)]
    [InlineData(true, 1500, 1_000_000)]
    [InlineData(false, 1500, 100_000_000)]
    [InlineData(true, 1500, 100_000_000)]
    [InlineData(false, 9000, 100_000_000)]
    [InlineData(true, 9000, 100_000_000)]
    [InlineData(false, 1500, 100_000_000, true)] // vnet_hdr: super-segments and checksum offload with the kernel
    [InlineData(true, 1500, 100_000_000, true)]
    public void Tcp_echo_returns_every_byte_then_closes_after_a_half_close(bool v6, int mtu, long bytes, bool vnet = false)
    {
        using EchoProcess echo = EchoProcess.Start(vnet
            ? ["--mtu", mtu.ToString(CultureInfo.InvariantCulture), "--vnet-hdr"]
            : ["--mtu", mtu.ToString(CultureInfo.InvariantCulture)]);
        ProcessRunner.Result r = KernelPeer.TcpEcho(echo.Ns, echo.Address(v6), 7, bytes);
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] fields = r.Output.Trim().Split(' ');
        Assert.Equal(bytes.ToString(CultureInfo.InvariantCulture), fields[0]);
        Assert.Equal(fields[1], fields[2]); // SHA-256 sent == received
        // The echo writes from an application thread while the dispatcher sends ACKs and more data: the kernel
        // (in its own namespace, so the counter is this test's) must still have received every segment in order.
        Assert.Equal(0, echo.Ns.KernelTcpExtCounter("TCPOFOQueue"));
        Assert.Equal(0, echo.Stop().ExitCode);
    }


    [RequiresRootAndTunTheory("python3", "kill")]
    [InlineData(false)]
    [InlineData(true)]
    public void Connecting_to_a_closed_port_is_refused(bool v6)
    {
        using EchoProcess echo = EchoProcess.Start();
        Assert.Equal("refused", KernelPeer.TcpConnect(echo.Ns, echo.Address(v6), 8).Output.Trim());
        Assert.Equal("connected", KernelPeer.TcpConnect(echo.Ns, echo.Address(v6), 7).Output.Trim());
    }

    [RequiresRootAndTunFact("ping", "tshark", "kill")]
    public void The_capture_holds_the_exchange_as_tshark_reads_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nst-echo-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            string kernel, stack;
            using (EchoProcess echo = EchoProcess.Start("--pcap", path))
            {
                kernel = echo.Ns.KernelV4.ToString();
                stack = echo.Ns.StackV4.ToString();
                Assert.Equal(0, echo.Ns.Exec("ping", "-4", "-n", "-c", "2", "-W", "10", stack).ExitCode);
                Assert.Equal(0, echo.Stop().ExitCode); // flushes and closes the capture
            }
            ProcessRunner.Result r = ProcessRunner.Run("tshark", "-r", path, "-n", "-Y", "icmp", "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type");
            Assert.True(r.ExitCode == 0, r.ToString());
            string[] lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Count(l => l == $"{kernel}\t{stack}\t8"));
            Assert.Equal(2, lines.Count(l => l == $"{stack}\t{kernel}\t0"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
