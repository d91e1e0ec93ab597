using Netstack.Buffers;

namespace Netstack.Tests;

public class BufferTests
{
    [Fact]
    public void PrependWritesIntoHeadroomWithoutMovingPayload()
    {
        var pool = new PacketPool();
        PacketBuffer p = pool.Rent(100, headroom: 64);
        "payload"u8.CopyTo(p.Append(7));
        p.Prepend(4).Fill(0xAB);
        Assert.Equal(11, p.Length);
        Assert.Equal(60, p.Headroom);
        Assert.Equal(0xAB, p.Span[0]);
        Assert.Equal((byte)'p', p.Span[4]);
        p.Release();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void PrependBeyondHeadroomThrows()
    {
        var pool = new PacketPool();
        PacketBuffer p = pool.Rent(10, headroom: 8);
        Assert.Throws<InvalidOperationException>(() => p.Prepend(9));
        p.Release();
    }

    [Fact]
    public void DoubleReleaseIsCaught()
    {
        var pool = new PacketPool();
        PacketBuffer p = pool.Rent(10);
        p.Release();
        Assert.Throws<InvalidOperationException>(() => p.Release());
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void SharedReferenceKeepsBufferLiveUntilLastRelease()
    {
        var pool = new PacketPool();
        PacketBuffer p = pool.Rent(10);
        p.AddReference();
        p.Release();
        Assert.Equal(1, pool.Outstanding);
        p.Append(1)[0] = 1;
        p.Release();
        Assert.Equal(0, pool.Outstanding);
        Assert.Throws<InvalidOperationException>(() => p.AddReference());
    }

    [Fact]
    public void PoolReusesBuffersAfterWarmUp()
    {
        var pool = new PacketPool();
        for (int i = 0; i < 100; i++)
        {
            pool.Rent(1500).Release();
            pool.Rent(60000).Release();
        }
        Assert.Equal(2, pool.Created);
    }

    [Fact]
    public void BatchReleaseAllReturnsEveryPacket()
    {
        var pool = new PacketPool();
        var batch = new PacketBatch(2);
        for (int i = 0; i < 10; i++)
        {
            batch.Add(pool.Rent(64));
        }
        Assert.Equal(10, batch.Count);
        batch.ReleaseAll();
        Assert.True(batch.IsEmpty);
        Assert.Equal(0, pool.Outstanding);
    }
}
