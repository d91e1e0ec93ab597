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
    public const int Capacity = 4;

    private Blocks _blocks;
    private int _count;

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

    public readonly int Count => _count;

    public readonly SackBlock this[int index] =>
        (uint)index < (uint)_count ? _blocks[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public bool Add(SackBlock block)
    {
        if (_count >= Capacity)
        {
            return false;
        }
        _blocks[_count++] = block;
        return true;
    }

    public void Clear() => _count = 0;

    [UnscopedRef]
    public readonly ReadOnlySpan<SackBlock> AsSpan() => ((ReadOnlySpan<SackBlock>)_blocks)[.._count];

    public readonly bool Equals(SackBlockList other) => AsSpan().SequenceEqual(other.AsSpan());

    public override readonly bool Equals(object? obj) => obj is SackBlockList other && Equals(other);

    public override readonly int GetHashCode()
    {
        HashCode hash = default;
        foreach (SackBlock block in AsSpan())
        {
            hash.Add(block);
        }
        return hash.ToHashCode();
    }

    public static bool operator ==(SackBlockList left, SackBlockList right) => left.Equals(right);

    public static bool operator !=(SackBlockList left, SackBlockList right) => !left.Equals(right);

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
