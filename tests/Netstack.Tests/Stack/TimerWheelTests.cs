using Netstack.Stack;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Stack;

public class TimerWheelTests
{
    [Fact]
    public void Fires_in_deadline_order_under_the_fake_clock()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock);
        var fired = new List<int>();
        var entries = new TimerEntry[5];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new TimerEntry(s => fired.Add((int)s!), i);
        }
        wheel.Schedule(entries[0], TimeSpan.FromMilliseconds(50));
        wheel.Schedule(entries[1], TimeSpan.FromMilliseconds(10));
        wheel.Schedule(entries[2], TimeSpan.FromSeconds(10)); // beyond one revolution
        wheel.Schedule(entries[3], TimeSpan.FromMilliseconds(30));
        wheel.Schedule(entries[4], TimeSpan.FromMilliseconds(5000));
        clock.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1], fired);
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal([1, 3, 0, 4, 2], fired);
        Assert.Equal(0, wheel.Count);
        Assert.All(entries, e => Assert.False(e.IsScheduled));
    }

    [Fact]
    public void Cancel_and_reschedule()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock);
        int a = 0, b = 0;
        var ea = new TimerEntry(_ => a++);
        var eb = new TimerEntry(_ => b++);
        wheel.Schedule(ea, TimeSpan.FromMilliseconds(100));
        wheel.Schedule(eb, TimeSpan.FromMilliseconds(100));
        Assert.True(wheel.Cancel(ea));
        Assert.False(wheel.Cancel(ea));
        wheel.Schedule(eb, TimeSpan.FromMilliseconds(300)); // moves it
        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal((0, 0), (a, b));
        Assert.True(eb.IsScheduled);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((0, 1), (a, b));
    }

    [Fact]
    public void Callbacks_may_reschedule_themselves()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock);
        var times = new List<TimeSpan>();
        TimerEntry? entry = null;
        entry = new TimerEntry(_ =>
        {
            times.Add(wheel.Now);
            if (times.Count < 4)
            {
                wheel.Schedule(entry!, TimeSpan.FromMilliseconds(200));
            }
        });
        wheel.Schedule(entry, TimeSpan.FromMilliseconds(200));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([200, 400, 600, 800], times.Select(t => (int)t.TotalMilliseconds));
    }

    [Fact]
    public void Idle_wheel_arms_no_timer()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock);
        var entry = new TimerEntry(_ => { });
        wheel.Schedule(entry, TimeSpan.FromMilliseconds(1));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, wheel.Count);
        // Nothing scheduled: advancing a long way fires nothing and does not loop.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.False(entry.IsScheduled);
    }

    [Fact]
    public void Cancelling_the_last_entry_disarms_the_timer()
    {
        var clock = new CountingTimeProvider();
        using var wheel = new TimerWheel(clock);
        var entry = new TimerEntry(_ => { });
        wheel.Schedule(entry, TimeSpan.FromSeconds(1));
        Assert.True(clock.Armed);
        wheel.Cancel(entry);
        Assert.False(clock.Armed);
    }

    [Fact]
    public void A_timer_that_truncates_to_milliseconds_fires_at_most_twice_per_deadline()
    {
        // System.Threading.Timer truncates its due time to whole milliseconds; a wheel that asked for 0.6 ms got 0,
        // fired with nothing due and re-armed in a loop until the millisecond passed.
        var clock = new TruncatingTimeProvider();
        using var wheel = new TimerWheel(clock);
        int callbacks = 0;
        var entry = new TimerEntry(_ => callbacks++);
        clock.Inner.Advance(TimeSpan.FromMilliseconds(0.4));
        wheel.Schedule(entry, TimeSpan.FromMilliseconds(5));
        for (int step = 0; step < 100 && callbacks == 0; step++)
        {
            clock.Inner.Advance(TimeSpan.FromMilliseconds(0.1), maxFires: 1000);
        }
        Assert.Equal(1, callbacks);
        Assert.InRange(clock.Inner.Elapsed.TotalMilliseconds, 5, 6.5); // not before its deadline tick, at most a tick late
        Assert.InRange(clock.Fires, 1, 2);
    }

    /// <summary>A manual clock whose timers, like System.Threading.Timer's, wait whole milliseconds (truncated).</summary>
    private sealed class TruncatingTimeProvider : TimeProvider
    {
        public ManualTimeProvider Inner { get; } = new();

        public int Fires;

        public override long GetTimestamp() => Inner.GetTimestamp();

        public override long TimestampFrequency => Inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Truncating(Inner.CreateTimer(s => { Fires++; callback(s); }, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
            timer.Change(dueTime, period);
            return timer;
        }

        private sealed class Truncating(ITimer inner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) =>
                inner.Change(dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.FromMilliseconds((long)dueTime.TotalMilliseconds), period);

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    /// <summary>A manual clock that also tells whether its single timer is armed.</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private readonly ManualTimeProvider _inner = new();
        private Probe? _probe;

        public bool Armed => _probe?.Armed ?? false;

        public override long GetTimestamp() => _inner.GetTimestamp();

        public override long TimestampFrequency => _inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            _probe = new Probe(_inner.CreateTimer(callback, state, dueTime, period)) { Armed = dueTime != Timeout.InfiniteTimeSpan };

        private sealed class Probe(ITimer inner) : ITimer
        {
            public bool Armed;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                Armed = dueTime != Timeout.InfiniteTimeSpan;
                return inner.Change(dueTime, period);
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    [Fact]
    public void Schedule_and_cancel_do_not_allocate()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock);
        var entries = new TimerEntry[100];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new TimerEntry(_ => { });
        }
        wheel.Schedule(entries[0], TimeSpan.FromMilliseconds(1)); // arm once
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            for (int i = 1; i < entries.Length; i++)
            {
                wheel.Schedule(entries[i], TimeSpan.FromMilliseconds(10 + i + round));
            }
            for (int i = 1; i < entries.Length; i++)
            {
                wheel.Cancel(entries[i]);
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
