namespace Netstack.Cli.Bench;

/// <summary>
/// A clock that moves only when told (<see cref="Advance"/>), firing the timers that fall due in order on the caller's
/// thread: a bench that must run minutes of TCP timers (SYN-ACK retries, TIME-WAIT) runs them in milliseconds, and
/// its stack-time figures do not depend on how busy the machine is.
/// </summary>
internal sealed class SteppedClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<SteppedTimer> _timers = [];
    private readonly DateTimeOffset _epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => _epoch + Elapsed;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <summary>Time since the clock was made.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SteppedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward by <paramref name="delta"/>, firing every timer that falls due, earliest first.</summary>
    public void Advance(TimeSpan delta)
    {
        long target = Interlocked.Read(ref _ticks) + delta.Ticks;
        while (true)
        {
            SteppedTimer? next = null;
            lock (_lock)
            {
                foreach (SteppedTimer t in _timers)
                {
                    if (t.DueTicks <= target && (next is null || t.DueTicks < next.DueTicks))
                    {
                        next = t;
                    }
                }
                if (next is null)
                {
                    break;
                }
                Interlocked.Exchange(ref _ticks, Math.Max(_ticks, next.DueTicks));
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
        Interlocked.Exchange(ref _ticks, target);
    }

    private sealed class SteppedTimer(SteppedClock owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueTicks;
        public long PeriodTicks;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
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
            lock (owner._lock)
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
