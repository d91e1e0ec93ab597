using Netstack.Link;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using TcpListener = Netstack.Sockets.TcpListener;

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
        (TcpEndpoint client, TcpEndpoint server, TcpListener listener) = p.Connect();
        byte[] data = new byte[128 * 1024];
        byte[] buffer = new byte[64 * 1024];
        for (int i = 0; i < 20; i++)
        {
            Move(p, client, server, data, buffer); // warm-up: pools, queues, window growth, timers
        }
        long segmentsBefore = p.TcpA.Statistics.OutSegs + p.TcpB.Statistics.OutSegs;
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                Move(p, client, server, data, buffer);
            }
        });
        long segments = p.TcpA.Statistics.OutSegs + p.TcpB.Statistics.OutSegs - segmentsBefore;
        Assert.True(segments > 100, $"only {segments} segments");
        Assert.True(allocated == 0, $"{allocated} bytes allocated for {segments} segments ({(double)allocated / segments:0.00} per segment)");
        client.Abort();
        p.Pump();
        listener.Dispose();
    }

    /// <summary>Sends all of <paramref name="data"/> and reads it back; advances the fake clock only when nothing moves.</summary>
    private static void Move(TcpPair p, TcpEndpoint from, TcpEndpoint to, byte[] data, byte[] buffer)
    {
        int sent = 0;
        int received = 0;
        while (received < data.Length)
        {
            if (sent < data.Length)
            {
                sent += from.Send(data.AsSpan(sent), false, out _);
            }
            p.Pump();
            int n;
            bool progress = false;
            while ((n = to.Receive(buffer, false, out _, out _)) > 0)
            {
                received += n;
                progress = true;
            }
            if (!progress)
            {
                p.Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
    }
}
