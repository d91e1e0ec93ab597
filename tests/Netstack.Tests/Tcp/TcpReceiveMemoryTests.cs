using Netstack.Buffers;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Receive memory charged by the blocks held (Linux's truesize): small segments do not pin large blocks, and over a
/// connection's limit or the stack's the out-of-order queue is pruned from the highest sequence down, then segments are
/// dropped, while the window offered never moves left.
/// </summary>
public class TcpReceiveMemoryTests
{
    private const TcpFlags Ack = TcpFlags.Ack;
    private const int SmallBlock = 2048 + PacketPool.DefaultHeadroom; // the pool's smallest block

    [Fact]
    public void A_one_byte_segment_arriving_in_a_64_KiB_block_is_held_in_a_small_one()
    {
        using var t = new TcpTestContext();
        t.EstablishPassive(sack: true);
        t.Send(TcpTestContext.Seg(Ack, 5101, 1001), [42], blockSize: 65536);
        t.Expect(Ack, ack: 5001);
        Assert.Equal(SmallBlock, t.Tcp.Statistics.ReceiveMemory);
        Assert.Equal(1, t.Tcp.Statistics.TCPRcvCollapsed);
        Assert.Equal(SmallBlock, t.Host.Pool.OutstandingBytes); // the 64 KiB block went back to the pool
    }

    [Fact]
    public void Small_in_order_segments_are_appended_to_the_last_block_and_read_back_intact()
    {
        using var t = new TcpTestContext();
        TcpEndpoint ep = t.EstablishPassive();
        byte[] data = Bytes(1000);
        for (int i = 0; i < 100; i++)
        {
            t.Send(TcpTestContext.Seg(Ack, 5001 + (uint)(i * 10), 1001), data.AsSpan(i * 10, 10), blockSize: i % 2 == 0 ? 65536 : 0);
        }
        Assert.Equal(99, t.Tcp.Statistics.TCPRcvCoalesce); // all but the first went into the first one's block
        Assert.Equal(SmallBlock, t.Tcp.Statistics.ReceiveMemory);
        Assert.Equal(data, Read(ep, 1000));
        Assert.Equal(0, t.Tcp.Statistics.ReceiveMemory);
    }

    [Fact]
    public void Over_the_connection_limit_out_of_order_data_is_pruned_from_the_highest_sequence()
    {
        using var t = new TcpTestContext();
        t.Tcp.ReceiveMemoryMinimum = 0;
        // The connection may hold twice its 8 KiB buffer: seven small blocks.
        TcpEndpoint ep = t.EstablishPassive(sack: true, options: new TcpEndpointOptions { ReceiveBufferSize = 8192, ReceiveBufferAutoTuning = false });
        byte[] data = Bytes(1000);
        for (uint offset = 100; offset <= 700; offset += 100)
        {
            t.Send(TcpTestContext.Seg(Ack, 5001 + offset, 1001), data.AsSpan((int)offset, 1), blockSize: 65536);
            t.Expect(Ack, ack: 5001);
        }
        Assert.Equal(7 * SmallBlock, t.Tcp.Statistics.ReceiveMemory);

        // Above everything held: dropped (nothing higher to prune).
        t.Send(TcpTestContext.Seg(Ack, 5001 + 800, 1001), data.AsSpan(800, 1));
        t.Expect(Ack, ack: 5001);
        Assert.Equal(1, t.Tcp.Statistics.TCPOFODrop);
        Assert.Equal(0, t.Tcp.Statistics.OfoPruned);

        // Below: the highest held segment (700) makes room for it.
        t.Send(TcpTestContext.Seg(Ack, 5001 + 50, 1001), data.AsSpan(50, 1));
        TcpSegment ack = t.Expect(Ack, ack: 5001);
        Assert.Equal(2, t.Tcp.Statistics.PruneCalled);
        Assert.Equal(1, t.Tcp.Statistics.OfoPruned);
        Assert.Equal(7 * SmallBlock, t.Tcp.Statistics.ReceiveMemory);
        Assert.Equal(5001u + 50, ack.Sack[0].Left.Value); // most recent first (RFC 2018 §4) ...
        uint highest = 0;
        for (int i = 0; i < ack.SackCount; i++)
        {
            highest = Math.Max(highest, ack.Sack[i].Right.Value);
        }
        Assert.True(highest <= 5001 + 601, $"byte 700 was pruned, yet SACKed up to {highest}"); // ... and 700 is gone (reneged)

        // The hole fills: what was held and what the peer sends again make the data whole.
        t.Send(TcpTestContext.Seg(Ack, 5001, 1001), data);
        t.Expect(Ack, ack: 6001);
        Assert.Equal(data, Read(ep, 1000));
        Assert.Equal(0, t.Tcp.Statistics.ReceiveMemory);
        Assert.Equal(0, t.Host.Pool.OutstandingBytes);
    }

    [Fact]
    public void At_the_stack_limit_segments_are_dropped_and_the_window_stops_opening_without_moving_left()
    {
        using var t = new TcpTestContext();
        t.Tcp.ReceiveMemoryLimit = 3 * SmallBlock;
        t.Tcp.ReceiveMemoryMinimum = 0;
        TcpEndpoint ep = t.EstablishPassive(sack: true);
        byte[] data = Bytes(4001);
        long edge = 0;
        for (uint offset = 1000; offset <= 4000; offset += 1000)
        {
            t.Send(TcpTestContext.Seg(Ack, 5001 + offset, 1001), data.AsSpan((int)offset, 1));
            TcpSegment dup = t.Expect(Ack, ack: 5001);
            Assert.True(dup.Ack.Value + (long)dup.Window >= edge, "the window moved left");
            edge = dup.Ack.Value + (long)dup.Window;
        }
        Assert.Equal(3 * SmallBlock, t.Tcp.Statistics.ReceiveMemory);
        Assert.Equal(1, t.Tcp.Statistics.TCPOFODrop);

        // In order: the out-of-order data above it is pruned to make room, so the connection moves on.
        t.Send(TcpTestContext.Seg(Ack, 5001, 1001), data.AsSpan(0, 999));
        TcpSegment filled = t.Expect(Ack);
        Assert.True(filled.Ack.Value > 5001);
        Assert.True(filled.Ack.Value + (long)filled.Window >= edge, "the window moved left");
        Assert.Equal(1, t.Tcp.Statistics.OfoPruned);
        Assert.Equal(0, t.Tcp.Statistics.RcvPruned);
        byte[] got = Read(ep, (int)(filled.Ack.Value - 5001));
        Assert.Equal(data.AsSpan(0, got.Length).ToArray(), got);
    }

    private static byte[] Bytes(int n)
    {
        var b = new byte[n];
        new Random(5).NextBytes(b);
        return b;
    }

    private static byte[] Read(TcpEndpoint ep, int count)
    {
        var buffer = new byte[count + 1];
        int n = ep.Receive(buffer, false, out _, out _);
        return buffer[..n];
    }
}
