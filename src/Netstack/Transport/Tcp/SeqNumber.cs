using System.Runtime.CompilerServices;

namespace Netstack.Transport.Tcp;

/// <summary>
/// A 32-bit TCP sequence number with modulo-2^32 arithmetic (RFC 9293 §3.4). Addition wraps, the
/// difference of two sequence numbers is the signed 32-bit distance, and the comparison operators
/// are defined by the sign of that distance, so <c>a &lt; b</c> means "b lies less than 2^31 ahead
/// of a" and remains correct across the wrap at 2^32. Raw <see cref="uint"/> values must never be
/// compared directly. Note that this order is not transitive over the whole space (it is a circle);
/// it is only meaningful for numbers within 2^31 of each other, which the window rules guarantee.
/// </summary>
public readonly record struct SeqNumber(uint Value)
{
    /// <summary>Advances by <paramref name="delta"/> bytes (may be negative), wrapping at 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator +(SeqNumber seq, int delta) => new(unchecked(seq.Value + (uint)delta));

    /// <summary>Advances by <paramref name="delta"/> bytes, wrapping at 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator +(SeqNumber seq, uint delta) => new(unchecked(seq.Value + delta));

    /// <summary>Moves back by <paramref name="delta"/> bytes, wrapping at 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator -(SeqNumber seq, int delta) => new(unchecked(seq.Value - (uint)delta));

    /// <summary>Moves back by <paramref name="delta"/> bytes, wrapping at 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator -(SeqNumber seq, uint delta) => new(unchecked(seq.Value - delta));

    /// <summary>The signed distance from <paramref name="b"/> to <paramref name="a"/> (positive when a is after b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int operator -(SeqNumber a, SeqNumber b) => unchecked((int)(a.Value - b.Value));

    /// <summary>Whether <paramref name="a"/> is before <paramref name="b"/> in modular order.</summary>
    public static bool operator <(SeqNumber a, SeqNumber b) => a - b < 0;

    /// <summary>Whether <paramref name="a"/> is before or equal to <paramref name="b"/> in modular order.</summary>
    public static bool operator <=(SeqNumber a, SeqNumber b) => a - b <= 0;

    /// <summary>Whether <paramref name="a"/> is after <paramref name="b"/> in modular order.</summary>
    public static bool operator >(SeqNumber a, SeqNumber b) => a - b > 0;

    /// <summary>Whether <paramref name="a"/> is after or equal to <paramref name="b"/> in modular order.</summary>
    public static bool operator >=(SeqNumber a, SeqNumber b) => a - b >= 0;

    /// <summary>The later of two sequence numbers in modular order.</summary>
    public static SeqNumber Max(SeqNumber a, SeqNumber b) => a - b >= 0 ? a : b;

    /// <summary>The earlier of two sequence numbers in modular order.</summary>
    public static SeqNumber Min(SeqNumber a, SeqNumber b) => a - b <= 0 ? a : b;

    /// <summary>True when <c>start &lt;= this &lt; start + size</c> (an empty window contains nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool InWindow(SeqNumber start, uint size) => unchecked(Value - start.Value) < size;

    /// <summary>True when <c>lo &lt;= this &lt; hiExclusive</c> in modular order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool InRange(SeqNumber lo, SeqNumber hiExclusive) => unchecked(Value - lo.Value) < unchecked(hiExclusive.Value - lo.Value);

    /// <summary>The number of bytes from <paramref name="start"/> up to this (unsigned, wrapping); callers ensure start &lt;= this.</summary>
    public uint BytesFrom(SeqNumber start) => unchecked(Value - start.Value);

    /// <summary>The raw 32-bit value in decimal.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
