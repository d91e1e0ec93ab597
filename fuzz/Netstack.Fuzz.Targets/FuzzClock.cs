namespace Netstack.Fuzz;

/// <summary>
/// A fake clock for one fuzz run: time moves only in <see cref="Advance"/>, which fires the timers that fall due
/// in order on the caller's thread, so a run is deterministic and a minute of timeouts costs microseconds.
/// </summary>
internal sealed class FuzzClock : TimeProvider
{
    private readonly List<Timer> _timers = [];
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) + TimeSpan.FromTicks(_ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward by <paramref name="delta"/>, firing at most <paramref name="maxFires"/> timers (a bound on work per step).</summary>
    public void Advance(TimeSpan delta, int maxFires = 10_000)
    {
        long target = _ticks + delta.Ticks;
        for (int fired = 0; fired < maxFires; fired++)
        {
            Timer? next = null;
            foreach (Timer t in _timers)
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
            _ticks = Math.Max(_ticks, next.DueTicks);
            if (next.PeriodTicks > 0)
            {
                next.DueTicks += next.PeriodTicks;
            }
            else
            {
                _timers.Remove(next);
            }
            next.Fire();
        }
        _ticks = Math.Max(_ticks, target);
    }

    private sealed class Timer(FuzzClock owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueTicks;
        public long PeriodTicks;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner._timers.Remove(this);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }
            DueTicks = owner._ticks + Math.Max(0, dueTime.Ticks);
            PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(1, period.Ticks);
            owner._timers.Add(this);
            return true;
        }

        public void Dispose() => owner._timers.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
