namespace Netstack.Stack;

/// <summary>
/// A clock that moves only when told: time advances in <see cref="Advance"/>, and timers due in the advanced span
/// fire in due order on the caller's thread. A minute of TCP back-off runs in microseconds and every run is
/// repeatable. The tests, the fuzz targets and <c>netstack bench --syn-flood</c> run stacks on it.
/// </summary>
internal class ManualClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks; // TimeSpan ticks since the start
    private readonly DateTimeOffset _epoch;

    public ManualClock(DateTimeOffset? start = null) => _epoch = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Time until the earliest pending timer falls due (zero if overdue), or null when none is pending: a simulation jumps straight to it.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            lock (_lock)
            {
                long min = long.MaxValue;
                foreach (ManualTimer t in _timers)
                {
                    min = Math.Min(min, t.DueTicks);
                }
                return min == long.MaxValue ? null : TimeSpan.FromTicks(Math.Max(0, min - _ticks));
            }
        }
    }

    /// <summary>
    /// Moves time forward by <paramref name="delta"/>, firing every timer that falls due, in order; at most
    /// <paramref name="maxFires"/> of them (a bound on one step's work for a fuzzer, whose inputs may make a timer re-arm
    /// itself at once), the rest staying due for the next step.
    /// </summary>
    public void Advance(TimeSpan delta, int maxFires = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target = Interlocked.Read(ref _ticks) + delta.Ticks;
        for (int fired = 0; fired < maxFires; fired++)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (ManualTimer t in _timers)
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
        Interlocked.Exchange(ref _ticks, target);
    }

    /// <summary>Advances in steps of <paramref name="step"/> until <paramref name="total"/> has passed, calling <paramref name="between"/> after each (e.g. to pump links).</summary>
    public void AdvanceInSteps(TimeSpan total, TimeSpan step, Action? between = null)
    {
        for (TimeSpan done = TimeSpan.Zero; done < total; done += step)
        {
            Advance(step);
            between?.Invoke();
        }
    }

    private sealed class ManualTimer(ManualClock owner, TimerCallback callback, object? state) : ITimer
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
