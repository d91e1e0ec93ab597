using Netstack.Stack;

namespace Netstack.Packetdrill;

/// <summary>
/// The stack's clock under packetdrill: time moves only when packetdrill sleeps (<c>usleep</c>), spins on
/// <c>gettimeofday</c>, or waits for a packet that a timer will send. Timers due in an advanced span fire in due
/// order on the advancing thread, so every run of a script sees the same times.
/// </summary>
internal sealed class VirtualClock : ManualClock
{
    /// <summary>What <c>gettimeofday</c> reports at virtual time zero (2026-01-01, in microseconds since 1970).</summary>
    public const long EpochMicroseconds = 1_767_225_600L * 1_000_000;

    private readonly Lock _advanceLock = new(); // one advancing thread at a time, so timers fire in order

    public VirtualClock()
        : base(DateTimeOffset.FromUnixTimeMilliseconds(EpochMicroseconds / 1000))
    {
    }

    /// <summary>Microseconds since 1970, as <c>gettimeofday</c> reports them.</summary>
    public long NowMicroseconds => EpochMicroseconds + Ticks / 10;

    /// <summary>The virtual time (ticks) of the earliest pending timer (now, if it is overdue), or null when none is pending.</summary>
    public long? NextDueTicks => NextDue is TimeSpan due ? Ticks + due.Ticks : null;

    public long Ticks => GetTimestamp();

    /// <summary>Moves time forward to <paramref name="targetTicks"/> (never back), firing every timer due on the way.</summary>
    public void AdvanceTo(long targetTicks)
    {
        lock (_advanceLock)
        {
            Advance(TimeSpan.FromTicks(Math.Max(0, targetTicks - Ticks)));
        }
    }
}
