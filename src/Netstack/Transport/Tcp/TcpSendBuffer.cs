using System.Buffers;

namespace Netstack.Transport.Tcp;

/// <summary>
/// The bytes the application wrote and the peer has not yet acknowledged, as a queue of pooled
/// fixed-size blocks (the runtime's <c>MultiArrayBuffer</c> idea): writes append at the tail,
/// segments copy from any offset, and acknowledged bytes are discarded from the head, returning
/// whole blocks to the pool. Offset 0 is the byte at SND.UNA. Not thread-safe: the endpoint lock
/// guards it.
/// </summary>
internal sealed class TcpSendBuffer : ITcpSendSource
{
    private const int BlockSize = 16 * 1024;

    // Blocks are rented by the writing thread and returned by whichever thread processes the ACK, so the shared
    // pool's per-thread caches would overflow and drop them to the GC; a locked pool keeps them (up to 64 MiB).
    private static readonly ArrayPool<byte> Blocks = ArrayPool<byte>.Create(BlockSize, 4096);

    private byte[]?[] _blocks = []; // the ring of block slots, made with the first block: an idle connection holds none
    private int _firstBlock;   // index in _blocks of the head block (ring)
    private int _blockCount;
    private int _headOffset;   // offset of byte 0 inside the head block
    private long _length;

    /// <summary>Bytes held (unacknowledged, sent or not).</summary>
    public long Length => _length;

    /// <summary>Appends as much of <paramref name="data"/> as <paramref name="capacity"/> allows; returns the count.</summary>
    public int Write(ReadOnlySpan<byte> data, long capacity)
    {
        int count = (int)Math.Min(data.Length, Math.Max(0, capacity - _length));
        int written = 0;
        while (written < count)
        {
            long end = _headOffset + _length;
            int blockIndex = (int)(end / BlockSize);
            int offset = (int)(end % BlockSize);
            if (blockIndex == _blockCount)
            {
                AddBlock();
            }
            byte[] block = _blocks[(_firstBlock + blockIndex) % _blocks.Length]!;
            int n = Math.Min(count - written, BlockSize - offset);
            data.Slice(written, n).CopyTo(block.AsSpan(offset, n));
            written += n;
            _length += n;
        }
        return written;
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/>.</summary>
    public void CopyTo(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
        long position = _headOffset + offset;
        int done = 0;
        while (done < destination.Length)
        {
            int blockIndex = (int)(position / BlockSize);
            int inBlock = (int)(position % BlockSize);
            byte[] block = _blocks[(_firstBlock + blockIndex) % _blocks.Length]!;
            int n = Math.Min(destination.Length - done, BlockSize - inBlock);
            block.AsSpan(inBlock, n).CopyTo(destination.Slice(done, n));
            done += n;
            position += n;
        }
    }

    /// <inheritdoc cref="ITcpSendSource.TryCopyTo"/>
    bool ITcpSendSource.TryCopyTo(long offset, Span<byte> destination)
    {
        CopyTo(offset, destination);
        return true;
    }

    /// <summary>Nothing to learn: writes append directly.</summary>
    void ITcpSendSource.Refresh()
    {
    }

    /// <summary>Never: the application ends its stream with Shutdown.</summary>
    bool ITcpSendSource.EndOfStream => false;

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the head.</summary>
    public void Discard(long count)
    {
        count = Math.Min(count, _length);
        _length -= count;
        long head = _headOffset + count;
        while (head >= BlockSize || (_length == 0 && _blockCount > 0))
        {
            ref byte[]? slot = ref _blocks[_firstBlock];
            Blocks.Return(slot!);
            slot = null;
            _firstBlock = (_firstBlock + 1) % _blocks.Length;
            _blockCount--;
            head = head >= BlockSize ? head - BlockSize : 0;
        }
        _headOffset = (int)head;
        if (_blockCount == 0)
        {
            _firstBlock = 0;
            _headOffset = 0;
        }
    }

    private void AddBlock()
    {
        if (_blockCount == _blocks.Length)
        {
            var grown = new byte[]?[Math.Max(8, _blocks.Length * 2)];
            for (int i = 0; i < _blockCount; i++)
            {
                grown[i] = _blocks[(_firstBlock + i) % _blocks.Length];
            }
            _blocks = grown;
            _firstBlock = 0;
        }
        _blocks[(_firstBlock + _blockCount) % _blocks.Length] = Blocks.Rent(BlockSize);
        _blockCount++;
    }

    /// <summary>Returns every block to the pool.</summary>
    public void Clear() => Discard(_length);
}
