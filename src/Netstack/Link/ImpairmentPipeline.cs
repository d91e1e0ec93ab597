using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Offload;
using Netstack.Wire;

namespace Netstack.Link;

/// <summary>
/// The impairments of one direction of an <see cref="ImpairedLink"/>, applied per packet in netem's order:
/// loss, duplication, corruption, reordering, then the delay line. Packets that survive leave through
/// <c>emit</c> — straight away in the caller's batch, or from a timer of the injected <see cref="TimeProvider"/>
/// when they are delayed (so a fake clock decides when they leave).
/// </summary>
/// <remarks>
/// The random draws happen under one lock, in packet order, and only for impairments whose probability is not
/// zero, so a seed replays exactly. Nothing is allocated per packet except the copies duplication and
/// corruption of shared buffers need, which come from the packet's own pool.
/// </remarks>
internal sealed class ImpairmentPipeline : IDisposable
{
    private readonly Lock _lock = new();      // guards the random generator, _held, _delayed, _scratch
    private readonly Lock _emitLock = new();  // one timer emission at a time, and not during dispose
    private readonly ImpairmentOptions _options;
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly int _protectedPrefix;
    private readonly Action<PacketBatch> _emit;
    private readonly bool _delayLine;
    private readonly PacketBatch _scratch = new();
    private readonly PacketBatch _due = new();
    private readonly PacketBatch _segments = new(); // the wire packets of a super-segment being corrupted
    private readonly DelayQueue _delayed = new();
    private readonly ITimer? _timer;
    private PacketBuffer? _held;
    private long _armedDueTicks = long.MaxValue;
    private bool _disposed;

    public ImpairmentPipeline(ImpairmentOptions options, int seed, TimeProvider time, int protectedPrefix, Action<PacketBatch> emit)
    {
        _options = options;
        _random = new Random(seed);
        _time = time;
        _startTimestamp = time.GetTimestamp();
        _protectedPrefix = protectedPrefix;
        _emit = emit;
        _delayLine = options.Delay > TimeSpan.Zero || options.Jitter > TimeSpan.Zero;
        if (_delayLine)
        {
            _timer = time.CreateTimer(static s => ((ImpairmentPipeline)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public ImpairmentCounters Counters { get; } = new();

    /// <summary>Packets held for reordering or waiting in the delay line.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _delayed.Count + (_held is null ? 0 : 1);
            }
        }
    }

    /// <summary>Impairs the batch's packets (taking their references) and emits those due now; clears the batch.</summary>
    public void Process(PacketBatch batch)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                Interlocked.Add(ref Counters._discarded, batch.Count);
                batch.ReleaseAll();
                return;
            }
            ReadOnlySpan<PacketBuffer> packets = batch.AsSpan();
            for (int i = 0; i < packets.Length; i++)
            {
                Impair(packets[i]);
            }
            batch.Clear();
            _scratch.MoveTo(batch);
            if (_delayLine)
            {
                ArmTimer(NowTicks());
            }
        }
        if (!batch.IsEmpty)
        {
            _emit(batch);
        }
    }

    public void Dispose()
    {
        lock (_emitLock)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
                _timer?.Dispose();
                int discarded = _delayed.ReleaseAll();
                if (_held is not null)
                {
                    _held.Release();
                    _held = null;
                    discarded++;
                }
                Interlocked.Add(ref Counters._discarded, discarded);
            }
        }
    }

    private void Impair(PacketBuffer packet)
    {
        Interlocked.Increment(ref Counters._packets);
        if (Draw(_options.Loss))
        {
            if (!_options.Ecn || !TryMarkCongestion(ref packet))
            {
                Interlocked.Increment(ref Counters._lost);
                packet.Release();
                return;
            }
            Interlocked.Increment(ref Counters._marked);
        }
        PacketBuffer? duplicate = null;
        if (Draw(_options.Duplicate))
        {
            duplicate = Clone(packet);
            Interlocked.Increment(ref Counters._duplicated);
        }
        CorruptAndReorder(packet);
        if (duplicate is not null)
        {
            CorruptAndReorder(duplicate);
        }
    }

    private void CorruptAndReorder(PacketBuffer packet)
    {
        if (Draw(_options.Corrupt))
        {
            if (CanSegment(packet))
            {
                SegmentAndCorruptFirst(packet);
                return;
            }
            packet = FlipOneBit(packet);
        }
        Reorder(packet);
    }

    /// <summary>Whether a super-segment can be cut into wire packets here (the pipeline sees IP packets, no link header).</summary>
    private bool CanSegment(PacketBuffer packet) =>
        _protectedPrefix == 0 && packet.Offload.GsoType is GsoType.TcpV4 or GsoType.TcpV6 or GsoType.UdpL4;

    /// <summary>
    /// Damage happens on the wire, to one segment whose checksum was already computed, so a super-segment is cut
    /// into its wire packets (checksums completed) and only the first is corrupted, as netem does for GSO packets
    /// (<c>netem_segment</c>). Corrupting the super-segment itself would leave its partial checksum to be completed
    /// over the damaged bytes, and the receiver could never tell.
    /// </summary>
    private void SegmentAndCorruptFirst(PacketBuffer packet)
    {
        PacketPool pool = packet.Pool ?? PacketPool.Shared;
        int count = packet.Offload.GsoType == GsoType.UdpL4
            ? UdpSegmenter.Segment(packet, pool, _segments, partialChecksum: false)
            : TcpSegmenter.Segment(packet, pool, _segments, partialChecksum: false);
        if (count == 0)
        {
            Interlocked.Increment(ref Counters._discarded);
            return;
        }
        ReadOnlySpan<PacketBuffer> segments = _segments.AsSpan();
        Reorder(FlipOneBit(segments[0]));
        for (int i = 1; i < segments.Length; i++)
        {
            Reorder(segments[i]);
        }
        _segments.Clear();
    }

    private void Reorder(PacketBuffer packet)
    {
        if (_held is not null)
        {
            // The held packet goes right after this one.
            PacketBuffer held = _held;
            _held = null;
            Send(packet);
            Send(held);
            return;
        }
        if (Draw(_options.Reorder))
        {
            _held = packet;
            Interlocked.Increment(ref Counters._reordered);
            return;
        }
        Send(packet);
    }

    private void Send(PacketBuffer packet)
    {
        if (!_delayLine)
        {
            _scratch.Add(packet);
            return;
        }
        long delay = _options.Delay.Ticks;
        if (_options.Jitter > TimeSpan.Zero)
        {
            delay += (long)((_random.NextDouble() * 2 - 1) * _options.Jitter.Ticks);
        }
        _delayed.Enqueue(packet, NowTicks() + Math.Max(0, delay));
        Interlocked.Increment(ref Counters._delayed);
    }

    /// <summary>Flips one random bit past the link header; a shared buffer is copied first so other holders keep the original bytes.</summary>
    private PacketBuffer FlipOneBit(PacketBuffer packet)
    {
        if (packet.ReferenceCount > 1)
        {
            PacketBuffer copy = Clone(packet);
            packet.Release();
            packet = copy;
        }
        if (packet.Offload.NeedsChecksum && packet.Offload.GsoType == GsoType.None)
        {
            // Fix the checksum before the damage, so the receiver can detect it (netem does the same).
            ChecksumHelp.TryComplete(packet);
        }
        packet.Offload.ChecksumValid = false;
        int bits = (packet.Length - _protectedPrefix) * 8;
        if (bits <= 0)
        {
            return packet;
        }
        int bit = _random.Next(bits);
        packet.Span[_protectedPrefix + bit / 8] ^= (byte)(1 << (bit % 8));
        Interlocked.Increment(ref Counters._corrupted);
        return packet;
    }

    /// <summary>
    /// Sets CE in the IP header of an ECT packet (netem's <c>INET_ECN_set_ce</c>), the IPv4 header checksum recomputed; a
    /// shared buffer is copied first. False, and the packet untouched, when it is not IP or not ECN-capable.
    /// </summary>
    private bool TryMarkCongestion(ref PacketBuffer packet)
    {
        ReadOnlySpan<byte> ip = packet.Span[Math.Min(_protectedPrefix, packet.Length)..];
        if (ip.Length < Ipv4Header.MinLength || ip[0] >> 4 is not (4 or 6))
        {
            return false;
        }
        bool v4 = ip[0] >> 4 == 4;
        int ecn = v4 ? ip[Ipv4Header.TypeOfServiceOffset] & 3 : (ip[1] >> 4) & 3;
        int headerLength = v4 ? (ip[0] & 0xF) * 4 : 0;
        if (ecn is not ((int)EcnCodepoint.Ect0 or (int)EcnCodepoint.Ect1) || headerLength > ip.Length)
        {
            return false;
        }
        if (packet.ReferenceCount > 1)
        {
            PacketBuffer copy = Clone(packet);
            packet.Release();
            packet = copy;
        }
        Span<byte> h = packet.Span[_protectedPrefix..];
        if (v4)
        {
            h[Ipv4Header.TypeOfServiceOffset] |= (byte)EcnCodepoint.Ce;
            BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Header.ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Header.ChecksumOffset..], Checksum.Compute(h[..headerLength]));
        }
        else
        {
            h[1] |= (byte)EcnCodepoint.Ce << 4; // the traffic class straddles bytes 0 and 1; its ECN bits are byte 1's 0x30
        }
        return true;
    }

    private bool Draw(double probability) => probability > 0 && _random.NextDouble() < probability;

    private long NowTicks() => _time.GetElapsedTime(_startTimestamp).Ticks;

    /// <summary>Points the timer at the earliest waiting packet, if that is sooner than where it points now. Under <see cref="_lock"/>.</summary>
    private void ArmTimer(long nowTicks)
    {
        if (_delayed.Count == 0 || _delayed.NextDueTicks >= _armedDueTicks)
        {
            return;
        }
        _armedDueTicks = _delayed.NextDueTicks;
        _timer!.Change(TimeSpan.FromTicks(Math.Max(0, _armedDueTicks - nowTicks)), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_emitLock)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                long now = NowTicks();
                _armedDueTicks = long.MaxValue;
                _delayed.DequeueDue(now, _due);
                ArmTimer(now);
            }
            if (!_due.IsEmpty)
            {
                _emit(_due);
                _due.Clear();
            }
        }
    }

    /// <summary>An independent copy (bytes, headroom where possible, offload metadata) from the packet's own pool.</summary>
    private static PacketBuffer Clone(PacketBuffer packet)
    {
        PacketPool pool = packet.Pool ?? PacketPool.Shared;
        PacketBuffer copy = pool.RentCopy(packet.Span, Math.Min(packet.Headroom, PacketPool.DefaultHeadroom));
        copy.Offload = packet.Offload;
        copy.InterfaceId = packet.InterfaceId;
        return copy;
    }
}
