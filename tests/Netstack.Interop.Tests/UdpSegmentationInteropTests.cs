using System.Net;
using System.Net.Sockets;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Interop.Tests;

/// <summary>UDP GSO with the kernel: its UDP_SEGMENT sends reach our socket as datagrams, and ours (SendSegmentSize) reach its socket the same way.</summary>
public class UdpSegmentationInteropTests
{
    private const int Port = 9000;
    private const int SegmentSize = 1200;
    private const int Total = 20 * SegmentSize + 345;

    [RequiresRootAndTunTheory("python3")]
    [InlineData(false, false)]
    [InlineData(true, false)] // vnet_hdr with USO (Linux 6.2+): super-datagrams cross the device whole both ways
    [InlineData(true, true)]
    public async Task Segmented_sends_echo_datagram_for_datagram(bool virtioNetHeader, bool v6)
    {
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { VirtioNetHeader = virtioNetHeader });
        using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
        await using UdpSocket socket = stack.CreateUdpSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, Port));
        socket.SendSegmentSize = SegmentSize;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // safety net only

        // Echo: gather the datagrams of one send, answer them with one segmented send.
        Task echo = Task.Run(async () =>
        {
            var all = new MemoryStream();
            byte[] buffer = new byte[65536];
            IPEndPoint? peer = null;
            while (all.Length < Total)
            {
                UdpReceiveFromResult r = await socket.ReceiveFromAsync(buffer, cts.Token);
                Assert.True(r.ReceivedBytes == SegmentSize || all.Length + r.ReceivedBytes == Total, $"a datagram of {r.ReceivedBytes} bytes");
                all.Write(buffer, 0, r.ReceivedBytes);
                peer = r.RemoteEndPoint;
            }
            await socket.SendToAsync(all.ToArray(), peer!, cts.Token);
        });
        ProcessRunner.Result result = KernelPeer.UdpSegmentedEcho(ns, v6 ? ns.StackV6 : ns.StackV4, Port, SegmentSize, Total);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("21 datagrams ok", result.Output, StringComparison.Ordinal);
        await echo.WaitAsync(cts.Token);

        TunLinkStatisticsSnapshot stats = ns.Link.GetStatistics();
        if (virtioNetHeader && ns.Link.UdpSegmentationOffload)
        {
            // One super-datagram each way (plus neighbour discovery and the like): far fewer packets than datagrams.
            Assert.True(stats.TxPackets < 10, $"tx {stats.TxPackets} packets");
            Assert.True(stats.RxPackets < 10, $"rx {stats.RxPackets} packets");
        }
        else
        {
            Assert.True(stats.TxPackets >= 21, $"tx {stats.TxPackets} packets");
        }
        Assert.Equal(0, stack.GetStatistics().Udp.InErrors);
        ns.Link.Dispose();
    }
}
