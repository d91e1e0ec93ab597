using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Netstack.Wire;

/// <summary>One SACK block (RFC 2018 §3): the first sequence number of a received run and the one after its end.</summary>
public readonly record struct SackBlock(uint Left, uint Right);

/// <summary>
/// Up to four SACK blocks held inline (no allocation), the most a 40-byte options area can carry (RFC 2018 §3).
/// <see cref="Add"/> returns false when full.
/// </summary>
public struct SackBlockList : IEquatable<SackBlockList>
{
    /// <summary>The most blocks the list holds (4).</summary>
    public const int Capacity = 4;

    private Blocks _blocks;
    private int _count;

    /// <summary>A list of the first four of <paramref name="blocks"/>; the rest are dropped.</summary>
    public SackBlockList(ReadOnlySpan<SackBlock> blocks)
    {
        _blocks = default;
        _count = 0;
        foreach (SackBlock block in blocks)
        {
            if (!Add(block))
            {
                break;
            }
        }
    }

    /// <summary>The number of blocks held, 0..4.</summary>
    public readonly int Count => _count;

    /// <summary>The block at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Count"/>.</exception>
    public readonly SackBlock this[int index] =>
        (uint)index < (uint)_count ? _blocks[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Appends <paramref name="block"/>.</summary>
    /// <returns><see langword="false"/> (and nothing added) when four blocks are already held.</returns>
    public bool Add(SackBlock block)
    {
        if (_count >= Capacity)
        {
            return false;
        }
        _blocks[_count++] = block;
        return true;
    }

    /// <summary>Removes all blocks.</summary>
    public void Clear() => _count = 0;

    /// <summary>The held blocks, in insertion order, as a span over this struct's storage.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<SackBlock> AsSpan() => ((ReadOnlySpan<SackBlock>)_blocks)[.._count];

    /// <summary>Whether both lists hold the same blocks in the same order.</summary>
    public readonly bool Equals(SackBlockList other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is SackBlockList other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode()
    {
        HashCode hash = default;
        foreach (SackBlock block in AsSpan())
        {
            hash.Add(block);
        }
        return hash.ToHashCode();
    }

    /// <summary>Whether both lists hold the same blocks in the same order.</summary>
    public static bool operator ==(SackBlockList left, SackBlockList right) => left.Equals(right);

    /// <summary>Whether the lists differ in count, content or order.</summary>
    public static bool operator !=(SackBlockList left, SackBlockList right) => !left.Equals(right);

    /// <summary>Formats as "[(left, right)(left, right)]".</summary>
    public override readonly string ToString()
    {
        var builder = new System.Text.StringBuilder("[");
        foreach (SackBlock block in AsSpan())
        {
            builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"({block.Left}, {block.Right})");
        }
        return builder.Append(']').ToString();
    }

    [InlineArray(Capacity)]
    private struct Blocks
    {
        private SackBlock _element;
    }
}
