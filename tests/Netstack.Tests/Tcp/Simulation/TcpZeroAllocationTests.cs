using Netstack.Sockets;
using Netstack.Link;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp.Simulation;

/// <summary>
/// The steady state of a bulk transfer allocates nothing: after warm-up, moving data between two
/// stacks over a manually pumped link with the synchronous endpoint calls (no async state machines)
/// on the test thread allocates exactly 0 bytes on that thread, so 0 bytes per segment.
/// </summary>
public class TcpZeroAllocationTests
{
    [Theory]
    [InlineData(LinkCapabilities.None)]
    [InlineData(LinkCapabilities.Gso | LinkCapabilities.Gro | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload)]
    public void BulkTransfer_SteadyState_AllocatesZeroBytes(LinkCapabilities capabilities)
    {
        using var p = new TcpPair(capabilities: capabilities);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        byte[] data = new byte[128 * 1024];
        byte[] buffer = new byte[64 * 1024];
        for (int i = 0; i < 20; i++)
        {
            p.Transfer(client, server, data, buffer, TimeSpan.FromMilliseconds(1)); // warm-up: pools, queues, window growth, timers
        }
        long segmentsBefore = p.TcpA.Statistics.OutSegs + p.TcpB.Statistics.OutSegs;
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                p.Transfer(client, server, data, buffer, TimeSpan.FromMilliseconds(1));
            }
        });
        long segments = p.TcpA.Statistics.OutSegs + p.TcpB.Statistics.OutSegs - segmentsBefore;
        Assert.True(segments > 100, $"only {segments} segments");
        Assert.True(allocated == 0, $"{allocated} bytes allocated for {segments} segments ({(double)allocated / segments:0.00} per segment)");
        client.Abort();
        p.Pump();
        listener.Dispose();
    }
}
