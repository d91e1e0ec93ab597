using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Netstack.Buffers;

/// <summary>
/// The one packet type of the stack (the role of Linux's <c>sk_buff</c> and gVisor's
/// <c>PacketBuffer</c>): a pooled byte block holding one packet at
/// <c>[Start, Start + Length)</c>, with headroom before it so each layer can prepend its
/// header without moving the payload, offload metadata for GSO/GRO/checksum offload, and a
/// reference count so that an in-flight write and a retransmission queue can share it.
/// </summary>
/// <remarks>
/// Buffers come from a <see cref="PacketPool"/> and go back to it when the last reference is
/// released. Releasing more often than referenced throws; in debug builds every accessor also
/// checks that the buffer is still live, so use after release is caught where it happens.
/// </remarks>
public sealed class PacketBuffer
{
    private byte[] _block;
    private int _start;
    private int _length;
    private int _refCount;
    private readonly PacketPool? _pool;

    internal PacketBuffer(byte[] block, PacketPool? pool)
    {
        _block = block;
        _pool = pool;
    }

    /// <summary>Bytes available in front of the packet for headers still to be prepended.</summary>
    public int Headroom { get { CheckLive(); return _start; } }

    /// <summary>Bytes available after the packet for appending.</summary>
    public int Tailroom { get { CheckLive(); return _block.Length - _start - _length; } }

    /// <summary>The packet's length in bytes.</summary>
    public int Length { get { CheckLive(); return _length; } }

    /// <summary>The total size of the underlying block.</summary>
    public int Capacity => _block.Length;

    /// <summary>The packet's bytes.</summary>
    public Span<byte> Span { get { CheckLive(); return _block.AsSpan(_start, _length); } }

    /// <summary>The packet's bytes as memory (for system calls and async APIs).</summary>
    public Memory<byte> Memory { get { CheckLive(); return _block.AsMemory(_start, _length); } }

    /// <summary>The underlying block and the packet's offset in it (for vectored I/O).</summary>
    public ArraySegment<byte> Segment { get { CheckLive(); return new ArraySegment<byte>(_block, _start, _length); } }

    /// <summary>Offload metadata: how the link should segment and checksum this packet, or what it vouched for on receive.</summary>
    public OffloadInfo Offload;

    /// <summary>The interface the packet arrived on (inbound) or leaves by (outbound); 0 when unknown.</summary>
    public int InterfaceId;

    /// <summary>How many references are held; 0 once it is back in its pool.</summary>
    public int ReferenceCount => Volatile.Read(ref _refCount);

    /// <summary>The pool this buffer returns to, if any.</summary>
    public PacketPool? Pool => _pool;

    /// <summary>Moves the start back by <paramref name="count"/> bytes and returns the new front, for a header.</summary>
    /// <exception cref="InvalidOperationException">Less headroom than asked for.</exception>
    public Span<byte> Prepend(int count)
    {
        CheckLive();
        if ((uint)count > (uint)_start)
        {
            ThrowNoRoom(nameof(Headroom), count, _start);
        }
        _start -= count;
        _length += count;
        return _block.AsSpan(_start, count);
    }

    /// <summary>Extends the packet at its end by <paramref name="count"/> bytes and returns them.</summary>
    public Span<byte> Append(int count)
    {
        CheckLive();
        int tail = _block.Length - _start - _length;
        if ((uint)count > (uint)tail)
        {
            ThrowNoRoom(nameof(Tailroom), count, tail);
        }
        var span = _block.AsSpan(_start + _length, count);
        _length += count;
        return span;
    }

    /// <summary>Drops <paramref name="count"/> bytes from the front (a parsed header); they become headroom.</summary>
    public void TrimFront(int count)
    {
        CheckLive();
        if ((uint)count > (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _start += count;
        _length -= count;
    }

    /// <summary>Cuts the packet to <paramref name="length"/> bytes (e.g. to the IP total length, dropping link padding).</summary>
    public void Truncate(int length)
    {
        CheckLive();
        if ((uint)length > (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }
        _length = length;
    }

    /// <summary>Sets the packet to start <paramref name="headroom"/> bytes into the block with the given length.</summary>
    public void Reset(int headroom, int length = 0)
    {
        CheckLive();
        if ((uint)headroom > (uint)_block.Length || (uint)length > (uint)(_block.Length - headroom))
        {
            throw new ArgumentOutOfRangeException(nameof(headroom));
        }
        _start = headroom;
        _length = length;
        Offload = default;
        InterfaceId = 0;
        IsReplaceableAck = false;
    }

    /// <summary>Takes one more reference: the buffer stays live until every holder has released it.</summary>
    public PacketBuffer AddReference()
    {
        int n = Interlocked.Increment(ref _refCount);
        if (n <= 1)
        {
            throw new InvalidOperationException("AddReference on a released PacketBuffer (use after release).");
        }
        return this;
    }

    /// <summary>Gives up one reference; the last one returns the buffer to its pool.</summary>
    /// <exception cref="InvalidOperationException">The buffer was already released (double release).</exception>
    public void Release()
    {
        int n = Interlocked.Decrement(ref _refCount);
        if (n > 0)
        {
            return;
        }
        if (n < 0)
        {
            Interlocked.Increment(ref _refCount);
            throw new InvalidOperationException("PacketBuffer released more often than referenced (double release).");
        }
        _pool?.Return(this);
    }

    internal byte[] Block => _block;

    /// <summary>
    /// A pure cumulative TCP ACK (no data, no SACK, no flags but ACK) that a later one from the same connection, queued
    /// behind it before either was written, makes redundant: the later one acknowledges as much or more, with the newer
    /// window (see <see cref="Stack.TransmitQueue"/>).
    /// </summary>
    internal bool IsReplaceableAck;

    internal int Start => _start;

    /// <summary>Called by the pool when it hands the buffer out.</summary>
    internal void Activate(int headroom)
    {
        Debug.Assert(_refCount == 0);
        _refCount = 1;
        _start = headroom;
        _length = 0;
        Offload = default;
        InterfaceId = 0;
    }

    [Conditional("DEBUG")]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckLive()
    {
        if (Volatile.Read(ref _refCount) <= 0)
        {
            throw new InvalidOperationException("PacketBuffer used after release.");
        }
    }

    private static void ThrowNoRoom(string what, int wanted, int have) =>
        throw new InvalidOperationException($"PacketBuffer: {wanted} bytes asked, {have} bytes of {what} left.");
}
