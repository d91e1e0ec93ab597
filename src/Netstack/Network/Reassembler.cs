using Netstack.Buffers;
using Netstack.Stack;

namespace Netstack.Network;

/// <summary>
/// Fragment reassembly for one IP version (RFC 791 §3.2, RFC 8200 §4.5, RFC 815's hole idea): each datagram in
/// progress gets a pooled 64 KiB buffer that fragments are copied into at their offsets, so completion costs
/// no further copy and the steady state allocates nothing.
/// </summary>
/// <remarks>
/// Defences, as Linux: a timeout per datagram (30 s for IPv4, 60 s for IPv6) on the stack's timer wheel; a
/// memory cap over all queues (<see cref="NetStackOptions.ReassemblyMemoryLimit"/>, 4 MiB like
/// <c>ipfrag_high_thresh</c>), charged by the block each datagram in progress holds, that evicts the oldest queue; datagrams larger than 65535 bytes and any
/// overlapping fragment drop the whole datagram (RFC 5722; Linux does the same for IPv4 since
/// CVE-2018-5391). An exact duplicate of a fragment already held is dropped alone, so links that duplicate
/// packets do not destroy datagrams. At most <see cref="MaxFragments"/> fragments per datagram.
/// </remarks>
internal sealed class Reassembler : IDisposable
{
    /// <summary>The most fragments one datagram may have (a bound on work per datagram; Linux bounds it by memory).</summary>
    public const int MaxFragments = 1024;

    /// <summary>Bytes reserved in front of the data for the IP header put back on completion.</summary>
    private const int HeaderReserve = 64;

    private readonly NetStack _stack;
    private readonly bool _isV6;
    private readonly TimeSpan _timeout;
    private readonly Action<ReassemblyQueue> _onTimeout;
    private readonly Lock _lock = new();
    private readonly Dictionary<ReassemblyKey, ReassemblyQueue> _queues = [];
    private readonly Stack<ReassemblyQueue> _free = new();
    private ReassemblyQueue? _oldest; // LRU by creation: evicted first
    private ReassemblyQueue? _newest;
    private long _memory;
    private bool _disposed;

    public Reassembler(NetStack stack, bool isV6, TimeSpan timeout, Action<ReassemblyQueue> onTimeout)
    {
        _stack = stack;
        _isV6 = isV6;
        _timeout = timeout;
        _onTimeout = onTimeout;
    }

    /// <summary>Bytes currently charged to reassembly.</summary>
    public long Memory => Interlocked.Read(ref _memory);

    /// <summary>Datagrams in progress.</summary>
    public int Count
    {
        get { lock (_lock) { return _queues.Count; } }
    }

    /// <summary>
    /// Adds a fragment's data (<paramref name="data"/>, at byte <paramref name="offset"/> of the datagram's
    /// fragmentable part). <paramref name="header"/> is the IP header of the fragment, kept from the first one.
    /// Returns the completed datagram's data buffer (with headroom for the header) when this fragment finished it,
    /// else null. The caller keeps its own packet.
    /// </summary>
    public PacketBuffer? Add(in ReassemblyKey key, int offset, bool moreFragments, ReadOnlySpan<byte> data, ReadOnlySpan<byte> header, int interfaceId, out ReassembledInfo info)
    {
        info = default;
        int end = offset + data.Length;
        int limit = _isV6 ? 65535 : 65535 - header.Length;
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }
            if (!_queues.TryGetValue(key, out ReassemblyQueue? q))
            {
                if (end > limit)
                {
                    CountFail();
                    return null;
                }
                q = CreateQueue(key);
            }
            if (end > limit || (moreFragments && data.Length % 8 != 0) || (q.TotalLength >= 0 && (end > q.TotalLength || (!moreFragments && end != q.TotalLength))) || (!moreFragments && end < q.HighestEnd))
            {
                // Too big, misaligned, or inconsistent with the last fragment: the datagram cannot be completed.
                CountFail();
                Drop(q);
                return null;
            }
            switch (data.IsEmpty ? ReassemblyQueue.InsertResult.Added : q.Insert(offset, end))
            {
                case ReassemblyQueue.InsertResult.Duplicate:
                    return null;
                case ReassemblyQueue.InsertResult.Overlap:
                    Interlocked.Increment(ref Stats.ReasmOverlapsRef(_stack, _isV6));
                    CountFail();
                    Drop(q);
                    return null;
                case ReassemblyQueue.InsertResult.TooMany:
                    CountFail();
                    Drop(q);
                    return null;
            }
            data.CopyTo(q.Buffer!.Span.Slice(HeaderReserve + offset));
            if (offset == 0)
            {
                header.CopyTo(q.FirstHeader);
                q.FirstHeaderLength = header.Length;
                q.FirstInterfaceId = interfaceId;
            }
            if (!moreFragments)
            {
                q.TotalLength = end;
            }
            if (!_isV6 && q.FirstHeaderLength > 0 && q.TotalLength >= 0 && q.FirstHeaderLength + q.TotalLength > 65535)
            {
                // Each fragment fit with its own header, but the first one's (longer, with options) in front of all
                // the data would not fit the 16-bit total length: oversized, as Linux's ip_frag_reasm says.
                CountFail();
                Drop(q);
                return null;
            }
            if (q.TotalLength < 0 || q.ReceivedBytes != q.TotalLength || q.FirstHeaderLength == 0)
            {
                return null;
            }
            // Complete: hand the buffer out trimmed to [header reserve, data end).
            PacketBuffer done = q.Buffer!;
            q.Buffer = null;
            done.Truncate(HeaderReserve + q.TotalLength);
            done.TrimFront(HeaderReserve);
            info = new ReassembledInfo(q.FirstHeaderLength, q.FirstInterfaceId);
            q.FirstHeader.AsSpan(0, q.FirstHeaderLength).CopyTo(done.Prepend(q.FirstHeaderLength));
            Interlocked.Increment(ref Stats.ReasmOKsRef(_stack, _isV6));
            Drop(q);
            return done;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_oldest is not null)
            {
                Drop(_oldest);
            }
        }
    }

    private ReassemblyQueue CreateQueue(in ReassemblyKey key)
    {
        // Charged by the block a datagram in progress holds (its truesize), whatever its fragments carry so far.
        int charge = _stack.Pool.BlockSizeFor(65535 + HeaderReserve, PacketPool.DefaultHeadroom);
        while (_oldest is not null && _memory + charge > _stack.Options.ReassemblyMemoryLimit)
        {
            CountFail();
            Drop(_oldest);
        }
        ReassemblyQueue q = _free.Count > 0 ? _free.Pop() : new ReassemblyQueue(this);
        q.Key = key;
        q.Buffer = _stack.Pool.Rent(65535 + HeaderReserve, PacketPool.DefaultHeadroom);
        q.Buffer.Append(65535 + HeaderReserve);
        q.Charge = charge;
        _memory += charge;
        _queues.Add(key, q);
        q.Older = _newest;
        q.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = q;
        }
        _newest = q;
        _oldest ??= q;
        _stack.Timers.Schedule(q.Timer, _timeout);
        return q;
    }

    private void Drop(ReassemblyQueue q)
    {
        _stack.Timers.Cancel(q.Timer);
        _queues.Remove(q.Key);
        if (q.Older is not null)
        {
            q.Older.Newer = q.Newer;
        }
        else
        {
            _oldest = q.Newer;
        }
        if (q.Newer is not null)
        {
            q.Newer.Older = q.Older;
        }
        else
        {
            _newest = q.Older;
        }
        q.Older = q.Newer = null;
        _memory -= q.Charge;
        q.Reset();
        if (!_disposed)
        {
            _free.Push(q);
        }
    }

    private void CountFail() => Interlocked.Increment(ref Stats.ReasmFailsRef(_stack, _isV6));

    internal void OnTimer(ReassemblyQueue q)
    {
        lock (_lock)
        {
            if (q.Buffer is null || q.Timer.IsScheduled || !_queues.TryGetValue(q.Key, out ReassemblyQueue? current) || current != q)
            {
                return; // completed, dropped or rescheduled meanwhile
            }
            Interlocked.Increment(ref Stats.ReasmTimeoutRef(_stack, _isV6));
            CountFail();
            // RFC 792 / RFC 8200 §4.5: time exceeded (fragment reassembly) only if the first fragment arrived.
            if (q.FirstHeaderLength > 0)
            {
                _onTimeout(q);
            }
            Drop(q);
        }
    }

    /// <summary>Counter references for the family, so one reassembler serves both.</summary>
    private static class Stats
    {
        public static ref long ReasmFailsRef(NetStack s, bool v6) => ref v6 ? ref s.Statistics.Ip6.ReasmFails : ref s.Statistics.Ip.ReasmFails;

        public static ref long ReasmOKsRef(NetStack s, bool v6) => ref v6 ? ref s.Statistics.Ip6.ReasmOKs : ref s.Statistics.Ip.ReasmOKs;

        public static ref long ReasmTimeoutRef(NetStack s, bool v6) => ref v6 ? ref s.Statistics.Ip6.ReasmTimeout : ref s.Statistics.Ip.ReasmTimeout;

        public static ref long ReasmOverlapsRef(NetStack s, bool v6) => ref v6 ? ref s.Statistics.Ip6.ReasmOverlaps : ref s.Statistics.Ip.ReasmOverlaps;
    }
}

/// <summary>What the caller needs besides the completed buffer: the first fragment's header length and interface.</summary>
internal readonly record struct ReassembledInfo(int HeaderLength, int InterfaceId);
