namespace Netstack.Buffers;

/// <summary>
/// A pool of <see cref="PacketBuffer"/>s in three size classes (2 KiB, 16 KiB and 64 KiB of payload, each
/// with headroom), whose blocks live on the pinned object heap so system calls can use their addresses
/// without pinning. Renting and returning never allocate once the pool has warmed up.
/// </summary>
/// <remarks>
/// <see cref="Outstanding"/> counts buffers rented and not yet returned; tests assert it returns to zero
/// (no leaks). The free lists are small lock-protected stacks: the lock is held for a few instructions
/// and a stack is the cheapest structure that does not allocate per push.
/// </remarks>
public sealed class PacketPool
{
    /// <summary>Headroom reserved by default: enough for vnet_hdr + Ethernet + IPv6 with extension headers + TCP with options.</summary>
    public const int DefaultHeadroom = 192;

    /// <summary>The largest payload a buffer can hold (a 64 KiB GSO super-segment with its headers).</summary>
    public const int MaxPacketSize = 65536 + 512;

    private static readonly int[] ClassSizes = [2048, 16384, MaxPacketSize];

    private readonly FreeList[] _classes;
    private long _outstanding;
    private long _outstandingBytes;
    private long _created;

    /// <summary>A process-wide pool for callers that do not need their own accounting.</summary>
    public static PacketPool Shared { get; } = new();

    /// <summary>The default for how many bytes of free buffers each size class keeps.</summary>
    public const long DefaultMaxFreeBytesPerClass = 64L << 20;

    /// <summary>
    /// Creates an empty pool; buffers are created on demand, and each size class keeps up to
    /// <paramref name="maxFreeBytesPerClass"/> bytes of returned ones (beyond that they go to the GC). The budget
    /// must hold the working set — every buffer sitting in receive queues and in flight at the peak — or a bulk
    /// transfer keeps dropping buffers and creating new ones: a TCP receive window of 8 MiB in MTU-sized
    /// segments alone is about 6,000 small buffers.
    /// </summary>
    public PacketPool(long maxFreeBytesPerClass = DefaultMaxFreeBytesPerClass)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFreeBytesPerClass);
        _classes = new FreeList[ClassSizes.Length];
        for (int i = 0; i < _classes.Length; i++)
        {
            int blockSize = ClassSizes[i] + DefaultHeadroom;
            _classes[i] = new FreeList(blockSize, (int)Math.Min(int.MaxValue, maxFreeBytesPerClass / blockSize));
        }
    }

    /// <summary>Buffers rented and not yet returned.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>
    /// The block bytes of the buffers rented and not yet returned: what the pool's users hold now, counted by the
    /// real size of each block (its truesize), not by the packet bytes in it.
    /// </summary>
    internal long OutstandingBytes => Interlocked.Read(ref _outstandingBytes);

    /// <summary>Buffers ever created by this pool (grows only while warming up).</summary>
    public long Created => Interlocked.Read(ref _created);

    private long _createdBytes;

    /// <summary>The bytes of all blocks ever created: the pool's growth to its working set (allocation that is not per packet).</summary>
    internal long CreatedBytes => Interlocked.Read(ref _createdBytes);

    /// <summary>Rents a buffer that can hold <paramref name="size"/> bytes after <paramref name="headroom"/> bytes of headroom; its length starts at 0.</summary>
    public PacketBuffer Rent(int size, int headroom = DefaultHeadroom)
    {
        if (size < 0 || headroom < 0 || size + headroom > MaxPacketSize + DefaultHeadroom)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"A packet buffer holds at most {MaxPacketSize + DefaultHeadroom} bytes.");
        }
        FreeList list = ClassFor(size + headroom);
        PacketBuffer? buffer = list.TryPop();
        if (buffer is null)
        {
            buffer = new PacketBuffer(GC.AllocateUninitializedArray<byte>(list.BlockSize, pinned: true), this);
            Interlocked.Increment(ref _created);
            Interlocked.Add(ref _createdBytes, list.BlockSize);
        }
        Interlocked.Increment(ref _outstanding);
        Interlocked.Add(ref _outstandingBytes, list.BlockSize);
        buffer.Activate(headroom);
        return buffer;
    }

    /// <summary>The size of the block <see cref="Rent"/> would hand out for <paramref name="size"/> bytes after <paramref name="headroom"/> bytes of headroom.</summary>
    internal int BlockSizeFor(int size, int headroom) => ClassFor(size + headroom).BlockSize;

    private FreeList ClassFor(int need)
    {
        for (int i = 0; i < _classes.Length; i++)
        {
            if (_classes[i].BlockSize >= need)
            {
                return _classes[i];
            }
        }
        return _classes[^1];
    }

    /// <summary>Rents a buffer and copies <paramref name="packet"/> into it.</summary>
    public PacketBuffer RentCopy(ReadOnlySpan<byte> packet, int headroom = DefaultHeadroom)
    {
        PacketBuffer buffer = Rent(packet.Length, headroom);
        packet.CopyTo(buffer.Append(packet.Length));
        return buffer;
    }

    internal void Return(PacketBuffer buffer)
    {
        Interlocked.Decrement(ref _outstanding);
        Interlocked.Add(ref _outstandingBytes, -buffer.Capacity);
        foreach (FreeList list in _classes)
        {
            if (list.BlockSize == buffer.Capacity)
            {
                list.Push(buffer);
                return;
            }
        }
    }

    private sealed class FreeList(int blockSize, int max)
    {
        private PacketBuffer?[] _stack = new PacketBuffer?[64];
        private int _count;
        private readonly Lock _lock = new();

        public int BlockSize { get; } = blockSize;

        public PacketBuffer? TryPop()
        {
            lock (_lock)
            {
                if (_count == 0)
                {
                    return null;
                }
                PacketBuffer? b = _stack[--_count];
                _stack[_count] = null;
                return b;
            }
        }

        public void Push(PacketBuffer buffer)
        {
            lock (_lock)
            {
                if (_count == _stack.Length)
                {
                    if (_count >= max)
                    {
                        return; // over the budget: let the GC have it
                    }
                    Array.Resize(ref _stack, Math.Max(1, Math.Min(max, _stack.Length * 2)));
                }
                _stack[_count++] = buffer;
            }
        }

        internal int Count => _count;
    }
}
