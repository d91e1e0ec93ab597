namespace Netstack.Stack;

/// <summary>
/// A reusable timer registration for a <see cref="TimerWheel"/>: created once per owner (a TCP connection's
/// retransmission timer, a reassembly queue's timeout) and scheduled, moved and cancelled any number of times
/// without allocating. The entry is an intrusive list node; the wheel owns its links while it is scheduled.
/// </summary>
/// <remarks>
/// The callback runs on the wheel's timer thread (or the test thread under a manual clock), never under the
/// wheel's lock, so it may schedule or cancel entries. A callback can still race with a concurrent
/// <see cref="TimerWheel.Cancel"/> on another thread (the cancel arrives after the wheel released the entry):
/// owners check their own state under their own lock, as with any timer.
/// </remarks>
internal sealed class TimerEntry
{
    internal readonly Action<object?> Callback;
    internal readonly object? State;

    // Owned by the wheel, guarded by its lock.
    internal TimerEntry? Next;
    internal TimerEntry? Previous;
    internal TimerEntry? NextExpired;
    internal long DeadlineTick;
    internal int Slot = -1;
    internal uint Generation;
    internal uint FiringGeneration;
    internal TimerWheel? Wheel;

    public TimerEntry(Action<object?> callback, object? state = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Callback = callback;
        State = state;
    }

    /// <summary>Whether the entry is waiting in a wheel.</summary>
    public bool IsScheduled => Volatile.Read(ref Slot) >= 0;

    /// <summary>The wheel time (milliseconds since the wheel started) at which the entry fires, while scheduled.</summary>
    public TimeSpan Deadline => TimeSpan.FromMilliseconds(Volatile.Read(ref DeadlineTick));
}
