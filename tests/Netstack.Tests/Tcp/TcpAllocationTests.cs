using Netstack.Link;
using Netstack.Sockets;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class TcpAllocationTests
{
    [Theory]
    [InlineData(LinkCapabilities.None, false)]
    [InlineData(LinkCapabilities.Gso | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload, false)]
    [InlineData(LinkCapabilities.Gso | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload, true)] // ECT(0) on every data segment
    public void BulkTransfer_SteadyState_AllocatesAlmostNothingPerSegment(LinkCapabilities capabilities, bool ecn)
    {
        using var p = new TcpPair(capabilities: capabilities);
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect(ecn ? new TcpEndpointOptions { Ecn = TcpEcnMode.RequestAndAccept } : null);
        Assert.Equal(ecn, client.GetInfo().Ecn);
        byte[] data = new byte[256 * 1024];
        var buffer = new byte[64 * 1024];
        // Warm up pools, queues and timers until the window stops growing: at least 6 rounds, then until two rounds
        // in a row need no new pool block and allocate nothing (with software GSO/GRO the flight, counted in pooled
        // blocks, takes longer to settle, and a connection's transmit queue grows to the largest flush it has seen).
        for (int i = 0, quiet = 0; i < 200 && (i < 6 || quiet < 2); i++)
        {
            long blocks = p.Pool.Created;
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            p.Transfer(client, server, data, buffer, TimeSpan.FromMilliseconds(5));
            quiet = p.Pool.Created == blocks && GC.GetAllocatedBytesForCurrentThread() == bytes ? quiet + 1 : 0;
        }
        long segmentsBefore = p.TcpA.Statistics.OutSegs + p.TcpB.Statistics.OutSegs;
        long created = p.Pool.Created;
        long allocated = SteadyStateAllocation.Measure(
            () =>
            {
                for (int i = 0; i < 8; i++)
                {
                    p.Transfer(client, server, data, buffer, TimeSpan.FromMilliseconds(5));
                }
            },
            out int rounds);
        long segments = (p.TcpA.Statistics.OutSegs + p.TcpB.Statistics.OutSegs - segmentsBefore) / rounds;
        Assert.True(segments > 0);
        Assert.True(allocated / segments < 16, $"{allocated} bytes for {segments} segments; {p.Pool.Created - created} new pool blocks");
        client.Abort();
        p.Pump();
        listener.Dispose();
    }
}
