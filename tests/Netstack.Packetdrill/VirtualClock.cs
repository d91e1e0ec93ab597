namespace Netstack.Packetdrill;

/// <summary>
/// The stack's clock under packetdrill: time moves only when packetdrill sleeps (<c>usleep</c>), spins on
/// <c>gettimeofday</c>, or waits for a packet that a timer will send. Timers due in an advanced span fire in due
/// order on the advancing thread, so every run of a script sees the same times.
/// </summary>
internal sealed class VirtualClock : TimeProvider
{
    /// <summary>What <c>gettimeofday</c> reports at virtual time zero (2026-01-01, in microseconds since 1970).</summary>
    public const long EpochMicroseconds = 1_767_225_600L * 1_000_000;

    private readonly Lock _timersLock = new();
    private readonly Lock _advanceLock = new(); // one advancing thread at a time, so timers fire in order
    private readonly List<VirtualTimer> _timers = [];
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(EpochMicroseconds / 1000).AddTicks(Interlocked.Read(ref _ticks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <summary>Microseconds since 1970, as <c>gettimeofday</c> reports them.</summary>
    public long NowMicroseconds => EpochMicroseconds + Interlocked.Read(ref _ticks) / 10;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>The virtual time (ticks) of the earliest pending timer, or null when none is pending.</summary>
    public long? NextDueTicks
    {
        get
        {
            lock (_timersLock)
            {
                long min = long.MaxValue;
                foreach (VirtualTimer t in _timers)
                {
                    min = Math.Min(min, t.DueTicks);
                }
                return min == long.MaxValue ? null : min;
            }
        }
    }

    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>Moves time forward to <paramref name="targetTicks"/> (never back), firing every timer due on the way.</summary>
    public void AdvanceTo(long targetTicks)
    {
        lock (_advanceLock)
        {
            while (true)
            {
                VirtualTimer? next = null;
                lock (_timersLock)
                {
                    foreach (VirtualTimer t in _timers)
                    {
                        if (t.DueTicks <= targetTicks && (next is null || t.DueTicks < next.DueTicks))
                        {
                            next = t;
                        }
                    }
                    if (next is null)
                    {
                        break;
                    }
                    if (next.DueTicks > _ticks)
                    {
                        Interlocked.Exchange(ref _ticks, next.DueTicks);
                    }
                    if (next.PeriodTicks > 0)
                    {
                        next.DueTicks += next.PeriodTicks;
                    }
                    else
                    {
                        _timers.Remove(next);
                    }
                }
                next.Fire();
            }
            if (targetTicks > Interlocked.Read(ref _ticks))
            {
                Interlocked.Exchange(ref _ticks, targetTicks);
            }
        }
    }

    private sealed class VirtualTimer(VirtualClock owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueTicks;
        public long PeriodTicks;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._timersLock)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }
                DueTicks = owner._ticks + Math.Max(0, dueTime.Ticks);
                PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(0, period.Ticks);
                owner._timers.Add(this);
            }
            return true;
        }

        public void Dispose()
        {
            lock (owner._timersLock)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
