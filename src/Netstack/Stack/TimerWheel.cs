namespace Netstack.Stack;

/// <summary>
/// The stack's one timer facility: a hashed timing wheel (Varghese and Lauck) with 1 ms ticks, holding every
/// protocol timer — retransmission, delayed ACK, keepalive, TIME_WAIT, reassembly timeouts — so that a
/// thousand connections cost one <see cref="ITimer"/>, not a thousand.
/// </summary>
/// <remarks>
/// Entries hash by deadline tick into <see cref="SlotCount"/> slots of intrusive doubly linked lists, so
/// scheduling and cancelling are O(1) and allocation-free. A single <see cref="ITimer"/> from the stack's
/// <see cref="TimeProvider"/> is armed for the earliest deadline, and only while entries exist: an idle stack
/// takes no wake-ups. When it fires, due entries are unlinked under the lock, chained, and their callbacks are
/// invoked after the lock is released. Under a manual clock every timer runs on the thread that advances it,
/// which makes protocol tests deterministic.
/// </remarks>
internal sealed class TimerWheel : IDisposable, IAsyncDisposable
{
    /// <summary>Slots in the wheel: one revolution is 4.096 s; later deadlines wait whole revolutions in their slot.</summary>
    public const int SlotCount = 4096;

    private const int SlotMask = SlotCount - 1;

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly TimerEntry?[] _slots = new TimerEntry?[SlotCount];
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private long _processedTick; // every deadline <= this tick has been handed out
    private long _armedTick = long.MaxValue;
    private int _count;
    private bool _firing;
    private bool _disposed;

    public TimerWheel(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _startTimestamp = timeProvider.GetTimestamp();
        _timer = timeProvider.CreateTimer(static s => ((TimerWheel)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Time since the wheel started, from the stack's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    /// <summary>Entries currently scheduled.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The current tick (whole milliseconds since start).</summary>
    public long NowTick => (long)Now.TotalMilliseconds;

    /// <summary>Schedules <paramref name="entry"/> to fire after <paramref name="delay"/> (rounded up to whole ticks); moves it if already scheduled.</summary>
    public void Schedule(TimerEntry entry, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(entry);
        long delayTicks = delay <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(delay.TotalMilliseconds);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            if (entry.Wheel is not null && entry.Wheel != this)
            {
                throw new InvalidOperationException("The timer entry belongs to another wheel.");
            }
            entry.Wheel = this;
            Unlink(entry);
            long now = NowTick;
            long deadline = Math.Max(now + delayTicks, _processedTick + 1);
            Link(entry, deadline);
            if (deadline < _armedTick && !_firing)
            {
                Arm(deadline, now);
            }
        }
    }

    /// <summary>Cancels <paramref name="entry"/>; returns whether it was scheduled.</summary>
    public bool Cancel(TimerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            bool was = entry.Slot >= 0;
            Unlink(entry);
            entry.Generation++;
            if (was && _count == 0 && !_firing && _armedTick != long.MaxValue)
            {
                // Nothing left: disarm so an idle stack takes no wake-up. Otherwise the armed ITimer is left
                // alone; firing early with nothing due costs one wake-up and re-arms.
                _armedTick = long.MaxValue;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            return was;
        }
    }

    /// <summary>Cancels every timer; a callback already running may still be finishing when this returns.</summary>
    public void Dispose()
    {
        if (CancelAll())
        {
            _timer.Dispose();
        }
    }

    /// <summary>Cancels every timer and completes once no callback of the wheel is running any more.</summary>
    public async ValueTask DisposeAsync()
    {
        if (CancelAll())
        {
            await _timer.DisposeAsync().ConfigureAwait(false); // waits for a callback in flight
        }
    }

    /// <summary>Marks the wheel disposed and unlinks every entry; false when it already was.</summary>
    private bool CancelAll()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
            _disposed = true;
            for (int i = 0; i < SlotCount; i++)
            {
                while (_slots[i] is TimerEntry e)
                {
                    Unlink(e);
                }
            }
            return true;
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_firing || _disposed)
            {
                return; // the thread already firing loops until nothing is due
            }
            _firing = true;
            _armedTick = long.MaxValue;
        }
        while (true)
        {
            TimerEntry? expired;
            lock (_lock)
            {
                expired = CollectDue(NowTick);
                if (expired is null)
                {
                    _firing = false;
                    if (_count > 0 && !_disposed)
                    {
                        ArmForEarliest();
                    }
                    return;
                }
            }
            while (expired is not null)
            {
                TimerEntry e = expired;
                expired = e.NextExpired;
                e.NextExpired = null;
                bool run;
                lock (_lock)
                {
                    // Skip an entry that was rescheduled or cancelled after it was collected.
                    run = e.Generation == e.FiringGeneration && e.Slot < 0;
                }
                if (run)
                {
                    e.Callback(e.State);
                }
            }
        }
    }

    /// <summary>Unlinks every entry due at or before <paramref name="now"/> and chains them through NextExpired (deadline order within a tick is not guaranteed across slots, so the chain is built tick by tick).</summary>
    private TimerEntry? CollectDue(long now)
    {
        if (now <= _processedTick)
        {
            return null;
        }
        TimerEntry? head = null;
        TimerEntry? tail = null;
        long from = _processedTick + 1;
        long span = Math.Min(now - _processedTick, SlotCount);
        // Walk ticks in order so that earlier deadlines fire first; when more than a revolution passed, a
        // slot may hold several overdue deadlines, which are taken in the walk's first visit.
        for (long t = from; t < from + span; t++)
        {
            TimerEntry? e = _slots[(int)(t & SlotMask)];
            while (e is not null)
            {
                TimerEntry? next = e.Next;
                if (e.DeadlineTick <= now)
                {
                    Unlink(e);
                    e.FiringGeneration = e.Generation;
                    if (tail is null)
                    {
                        head = e;
                    }
                    else
                    {
                        tail.NextExpired = e;
                    }
                    tail = e;
                }
                e = next;
            }
        }
        _processedTick = now;
        return head;
    }

    private void ArmForEarliest()
    {
        long now = NowTick;
        long earliest = long.MaxValue;
        for (long t = _processedTick + 1; t <= _processedTick + SlotCount; t++)
        {
            for (TimerEntry? e = _slots[(int)(t & SlotMask)]; e is not null; e = e.Next)
            {
                if (e.DeadlineTick < earliest)
                {
                    earliest = e.DeadlineTick;
                }
            }
            if (earliest <= t)
            {
                break; // nothing in a later slot of this revolution can be earlier
            }
        }
        if (earliest != long.MaxValue)
        {
            Arm(earliest, now);
        }
    }

    /// <summary>
    /// Arms the timer for <paramref name="deadlineTick"/>, rounding the wait up to whole milliseconds: a system timer
    /// truncates its due time to milliseconds, so 0.6 ms would become 0 and the wheel would fire, find nothing due and
    /// re-arm in a loop until the tick passed. Rounded up, an early fire (the system timer's clock is coarser than
    /// the stack's) costs one more wake-up at most.
    /// </summary>
    private void Arm(long deadlineTick, long nowTick)
    {
        _armedTick = deadlineTick;
        double dueMs = deadlineTick <= nowTick ? 0 : Math.Ceiling(deadlineTick - Now.TotalMilliseconds);
        _timer.Change(TimeSpan.FromMilliseconds(Math.Max(dueMs, 0)), Timeout.InfiniteTimeSpan);
    }

    private void Link(TimerEntry entry, long deadline)
    {
        int slot = (int)(deadline & SlotMask);
        entry.DeadlineTick = deadline;
        entry.Slot = slot;
        entry.Previous = null;
        entry.Next = _slots[slot];
        if (entry.Next is not null)
        {
            entry.Next.Previous = entry;
        }
        _slots[slot] = entry;
        entry.Generation++;
        _count++;
    }

    private void Unlink(TimerEntry entry)
    {
        if (entry.Slot < 0)
        {
            return;
        }
        if (entry.Previous is not null)
        {
            entry.Previous.Next = entry.Next;
        }
        else
        {
            _slots[entry.Slot] = entry.Next;
        }
        if (entry.Next is not null)
        {
            entry.Next.Previous = entry.Previous;
        }
        entry.Next = null;
        entry.Previous = null;
        Volatile.Write(ref entry.Slot, -1);
        _count--;
    }
}
