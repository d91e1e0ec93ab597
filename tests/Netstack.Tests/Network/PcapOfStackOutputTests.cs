using System.Diagnostics;
using System.Net.Sockets;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Stack;

namespace Netstack.Tests.Network;

/// <summary>
/// An independent decoder's verdict on what the stack writes: a capture of pings, UDP (both plain and
/// fragmented) and ICMP errors over IPv4 and IPv6, read by tshark with every checksum check switched on.
/// </summary>
public class PcapOfStackOutputTests
{
    [RequiresToolFact("tshark")]
    public void Tshark_finds_no_malformed_packet_and_no_bad_checksum()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nst-stack-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var net = new TwoStacks(wrapA: link => new PcapSniffer(link, path)))
            {
                foreach (int size in new[] { 56, 3000 })
                {
                    net.A.Ipv4.Icmp.SendEchoRequest(TwoStacks.B4, 7, (ushort)size, size);
                    net.A.Ipv6.Icmp.SendEchoRequest(TwoStacks.B6, 7, (ushort)size, size);
                }
                using UdpSocket v4 = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
                using UdpSocket v6 = net.A.CreateUdpSocket(AddressFamily.InterNetworkV6);
                var payload = new byte[5000];
                new Random(1).NextBytes(payload);
                Assert.Equal(SocketError.Success, v4.SendTo(payload, TwoStacks.B4, 9)); // nobody listens: port unreachable back
                Assert.Equal(SocketError.Success, v6.SendTo(payload, TwoStacks.B6, 9));
                Assert.Equal(SocketError.Success, v4.SendTo(payload.AsSpan(0, 100), TwoStacks.B4, 9));
                Assert.Equal(SocketError.Success, v6.SendTo(payload.AsSpan(0, 100), TwoStacks.B6, 9));
                net.Pump();
                net.Clock.Advance(TimeSpan.FromSeconds(1)); // lets the ICMP rate limiter refill between bursts
                net.Pump();
            }

            const string Options = "-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE";
            string all = Tshark($"-r {path} -n {Options} -T fields -e frame.number -e _ws.col.Protocol");
            int frames = all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(frames >= 20, $"expected the whole exchange in the capture, got {frames} frames:\n{all}");
            string fragments = Tshark($"-r {path} -n {Options} -Y \"ip.flags.mf == 1 || ipv6.fragment\"");
            Assert.NotEqual("", fragments.Trim());
            string errors = Tshark($"-r {path} -n {Options} -Y \"icmp.type == 3 || icmpv6.type == 1\"");
            Assert.NotEqual("", errors.Trim());
            string bad = Tshark($"-r {path} -n {Options} -Y \"_ws.malformed || _ws.expert.severity == error || ip.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0 || icmpv6.checksum.status == 0\"");
            Assert.True(bad.Trim().Length == 0, $"tshark flags these packets:\n{bad}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Tshark(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("tshark", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "tshark did not finish");
        Assert.True(process.ExitCode == 0, $"tshark {arguments} failed: {error}");
        return output;
    }
}
