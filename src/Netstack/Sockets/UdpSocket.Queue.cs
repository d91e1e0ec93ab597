using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Transport.Udp;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>Arrivals and the receive queue: datagrams handed to a waiting reader or a sink, or queued (charged by buffer size, coalesced for GRO readers).</summary>
public sealed partial class UdpSocket
{
    /// <summary>The synchronous receive path (allocation-free): false when nothing is queued.</summary>
    internal bool TryReceiveFrom(Span<byte> buffer, out int bytes, out NetAddress remote, out ushort remotePort)
    {
        lock (_lock)
        {
            if (_count == 0 || _receivePending)
            {
                bytes = 0;
                remote = default;
                remotePort = 0;
                return false;
            }
            bytes = DequeueLocked(buffer, out remote, out remotePort, out _);
            return true;
        }
    }

    /// <summary>
    /// Called on the dispatcher thread with a datagram positioned at its payload; false when the queue is full (the caller
    /// drops it) — <paramref name="overMemoryLimit"/> then says it was the stack's limit over all sockets, not this one's.
    /// </summary>
    internal bool Enqueue(PacketBuffer packet, NetAddress source, ushort sourcePort, out bool overMemoryLimit, int segmentSize = 0)
    {
        overMemoryLimit = false;
        if (Volatile.Read(ref _sink) is IUdpDatagramSink sink && !Volatile.Read(ref _disposed))
        {
            sink.Deliver(packet.Span, segmentSize);
            packet.Release();
            return true;
        }
        CancellationTokenRegistration registration = default;
        UdpReceiveFromResult? completed = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
            if (_receivePending && (segmentSize == 0 || packet.Length <= _pendingBuffer.Length))
            {
                // A reader waits: copy straight into its buffer; its continuation runs elsewhere.
                int n = Math.Min(packet.Length, _pendingBuffer.Length);
                packet.Span[..n].CopyTo(_pendingBuffer.Span);
                packet.Release();
                completed = ResultLocked(n, source, sourcePort, n > segmentSize ? segmentSize : 0);
                registration = EndWaitLocked();
            }
            else if (_receivePending)
            {
                // A run longer than the reader's buffer: queue it, and hand the reader the whole datagrams that fit.
                if (!QueueLocked(packet, source, sourcePort, segmentSize, out overMemoryLimit))
                {
                    return false;
                }
                int n = DequeueLocked(_pendingBuffer.Span, out NetAddress address, out ushort port, out int size);
                completed = ResultLocked(n, address, port, size);
                registration = EndWaitLocked();
            }
            else if (!QueueLocked(packet, source, sourcePort, segmentSize, out overMemoryLimit))
            {
                return false;
            }
        }
        registration.Dispose();
        if (completed is UdpReceiveFromResult result)
        {
            _source.SetResult(result); // after the lock: a reader completed inline (CompletesInline) may call in again
        }
        return true;
    }

    /// <summary>
    /// Runs the waiting reader's continuation on the thread that delivers the datagram (the link's dispatcher), after
    /// the socket's lock is released, instead of on the thread pool. Only for readers known to be short and
    /// non-blocking — the forwarder's relays, whose continuation is one host <c>sendto</c> — where it saves a thread
    /// hop per datagram (ping-pong latency).
    /// </summary>
    internal bool CompletesInline
    {
        get => !_source.RunContinuationsAsynchronously;
        set => _source.RunContinuationsAsynchronously = !value;
    }

    /// <summary>
    /// Appends a datagram (or a run of them) to the queue, coalescing it into the last entry when the socket asked for
    /// GRO; false when the queue is full, or the stack's UDP receive memory (<paramref name="overMemoryLimit"/>); the
    /// caller keeps the packet then. A datagram small for its block (a few bytes in a 64 KiB vnet_hdr read) is copied
    /// into a right-sized pooled block and the packet released: the queue pins only what it needs.
    /// </summary>
    private bool QueueLocked(PacketBuffer packet, NetAddress source, ushort sourcePort, int segmentSize, out bool overMemoryLimit)
    {
        overMemoryLimit = false;
        if (ReceiveCoalesced && segmentSize == 0 && _count > 0 && TryCoalesceLocked(packet, source, sourcePort))
        {
            return true;
        }
        PacketPool pool = Stack.Pool;
        int rightSize = pool.BlockSizeFor(packet.Length, 0);
        bool oversized = rightSize * 2 <= packet.Capacity;
        int charge = oversized ? rightSize : packet.Capacity;
        // Charge the whole buffer, not the payload (Linux's truesize): a flood of tiny datagrams must not
        // pin thousands of 2 KiB blocks under a limit meant for bytes.
        if (_queuedBytes + charge > ReceiveBufferSize)
        {
            return false;
        }
        if (Volatile.Read(ref Stack.Statistics.Udp.ReceiveMemory) + charge > Stack.Options.UdpReceiveMemoryLimit)
        {
            overMemoryLimit = true;
            return false;
        }
        if (oversized)
        {
            PacketBuffer copy = pool.Rent(packet.Length, headroom: 0);
            packet.Span.CopyTo(copy.Append(packet.Length));
            packet.Release();
            packet = copy;
        }
        if (_count == _queue.Length)
        {
            var larger = new QueuedDatagram[_queue.Length * 2];
            for (int i = 0; i < _count; i++)
            {
                larger[i] = _queue[(_head + i) % _queue.Length];
            }
            _queue = larger;
            _head = 0;
        }
        _queue[(_head + _count) % _queue.Length] = new QueuedDatagram(packet, source, sourcePort, segmentSize);
        _count++;
        ChargeLocked(packet.Capacity);
        return true;
    }

    /// <summary>
    /// GRO at the socket (Linux udp_gro_receive's rules): a datagram joins the last queued entry when it comes from
    /// the same sender, is no longer than the entry's datagrams (a shorter one ends the run) and the entry has room.
    /// The entry moves into a 64 KiB buffer the first time it grows.
    /// </summary>
    private bool TryCoalesceLocked(PacketBuffer packet, NetAddress source, ushort sourcePort)
    {
        ref QueuedDatagram tail = ref _queue[(_head + _count - 1) % _queue.Length];
        int size = tail.SegmentSize == 0 ? tail.Packet.Length : tail.SegmentSize;
        int length = packet.Length;
        if (tail.Closed || tail.Address != source || tail.Port != sourcePort || length == 0 || length > size
            || (tail.SegmentSize != 0 && tail.Packet.Length % size != 0) || tail.Packet.Length + length > MaxCoalescedBytes
            || tail.Packet.Length / size >= MaxCoalescedSegments)
        {
            return false;
        }
        if (tail.Packet.Tailroom < length || tail.Packet.ReferenceCount != 1)
        {
            int growth = Stack.Pool.BlockSizeFor(MaxCoalescedBytes, 0) - tail.Packet.Capacity;
            if (_queuedBytes + growth > ReceiveBufferSize
                || Volatile.Read(ref Stack.Statistics.Udp.ReceiveMemory) + growth > Stack.Options.UdpReceiveMemoryLimit)
            {
                return false;
            }
            PacketBuffer larger = Stack.Pool.Rent(MaxCoalescedBytes, headroom: 0);
            tail.Packet.Span.CopyTo(larger.Append(tail.Packet.Length));
            ChargeLocked(larger.Capacity - tail.Packet.Capacity);
            tail.Packet.Release();
            tail.Packet = larger;
        }
        packet.Span.CopyTo(tail.Packet.Append(length));
        packet.Release();
        tail.SegmentSize = size;
        tail.Closed = length < size;
        return true;
    }

    /// <summary>
    /// Copies the head entry into <paramref name="buffer"/>. A single datagram is dequeued (cut to the buffer, as any
    /// UDP receive). A coalesced run gives as many whole datagrams as fit — or, when not even one fits, its first one
    /// cut — and stays queued with the rest; <paramref name="segmentSize"/> is set when more than one was copied.
    /// </summary>
    private int DequeueLocked(Span<byte> buffer, out NetAddress address, out ushort port, out int segmentSize)
    {
        ref QueuedDatagram d = ref _queue[_head];
        address = d.Address;
        port = d.Port;
        int size = d.SegmentSize;
        PacketBuffer packet = d.Packet;
        segmentSize = 0;
        if (size > 0 && packet.Length > size && packet.Length > buffer.Length)
        {
            int whole = buffer.Length / size * size;
            int n = whole > 0 ? whole : buffer.Length;
            packet.Span[..n].CopyTo(buffer);
            packet.TrimFront(whole > 0 ? whole : size);
            segmentSize = whole > size ? size : 0;
            return n;
        }
        d = default;
        _head = (_head + 1) % _queue.Length;
        _count--;
        ChargeLocked(-packet.Capacity);
        int copied = Math.Min(packet.Length, buffer.Length);
        packet.Span[..copied].CopyTo(buffer);
        packet.Release();
        segmentSize = size > 0 && copied > size ? size : 0;
        return copied;
    }

    /// <summary>Adds <paramref name="bytes"/> (negative to release) to this queue's charge and to the stack's UDP receive memory.</summary>
    private void ChargeLocked(int bytes)
    {
        _queuedBytes += bytes;
        Interlocked.Add(ref Stack.Statistics.Udp.ReceiveMemory, bytes);
    }
}
