using Netstack.Cli.Commands;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Interop.Tests;

/// <summary>The stack in this process on a (multi-queue) TUN link, with concurrent kernel flows spread over the queues.</summary>
public class StackOnTunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120); // safety net only

    [RequiresRootAndTunTheory("python3", "ping")]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(1, true)] // vnet_hdr: 64 KiB super-segments both ways (kernel GSO/GRO), partial checksums
    [InlineData(2, true)]
    public void Concurrent_flows_are_echoed_over_every_queue(int queues, bool virtioNetHeader)
    {
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { QueueCount = queues, VirtioNetHeader = virtioNetHeader });
        using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
        using var server = new EchoServer(stack, 7);
        using var stop = new CancellationTokenSource();
        Task running = server.RunAsync(stop.Token);
        try
        {
            Assert.Equal(0, ns.Exec("ping", "-n", "-c", "1", "-W", "10", ns.StackV4.ToString()).ExitCode);

            // Eight flows at once: the kernel hashes them over the queues, whose threads deliver concurrently.
            Task<ProcessRunner.Result>[] flows = new Task<ProcessRunner.Result>[8];
            for (int i = 0; i < flows.Length; i++)
            {
                var address = i % 2 == 0 ? ns.StackV4 : ns.StackV6;
                flows[i] = Task.Run(() => KernelPeer.TcpEcho(ns, address, 7, 2_000_000));
            }
            Assert.True(Task.WaitAll(flows, Patience), "the flows did not finish");
            Assert.All(flows, f => Assert.True(f.Result.ExitCode == 0, f.Result.ToString()));
            Assert.Equal(8, server.TcpConnections);
        }
        finally
        {
            stop.Cancel();
            Assert.True(running.Wait(Patience), "the echo server did not stop");
            ns.Link.Dispose(); // the link's threads stop before the stack goes
        }
        TunLinkStatisticsSnapshot stats = ns.Link.GetStatistics();
        Assert.Equal(0, stats.TxErrors);
        Assert.Equal(0, stats.RxErrors);
        if (virtioNetHeader)
        {
            // Super-segments both ways: on average a packet carries more than an MTU.
            Assert.True(stats.TxBytes / stats.TxPackets > ns.Link.Mtu, $"tx: {stats.TxBytes} bytes in {stats.TxPackets} packets");
            Assert.True(stats.RxBytes / stats.RxPackets > ns.Link.Mtu, $"rx: {stats.RxBytes} bytes in {stats.RxPackets} packets");
        }
    }
}
