namespace Netstack.Cli.Bench;

/// <summary>
/// The bytes the bench sends: a 1 MiB block of seeded random bytes repeated, started at a per-stream offset, so
/// a receiver can check any received span with one memory comparison instead of hashing.
/// </summary>
public sealed class TestPattern
{
    public const int BlockSize = 1 << 20;

    private readonly byte[] _block = new byte[BlockSize * 2];

    public TestPattern(int seed)
    {
        new Random(seed).NextBytes(_block.AsSpan(0, BlockSize));
        _block.AsSpan(0, BlockSize).CopyTo(_block.AsSpan(BlockSize));
    }

    /// <summary>The pattern bytes at stream position <paramref name="position"/>, at most <see cref="BlockSize"/> long.</summary>
    public ReadOnlyMemory<byte> At(long position, int length) =>
        _block.AsMemory((int)(position % BlockSize), Math.Min(length, BlockSize));

    /// <summary>Whether <paramref name="received"/> equals the pattern from <paramref name="position"/> on.</summary>
    public bool Matches(long position, ReadOnlySpan<byte> received)
    {
        while (!received.IsEmpty)
        {
            int n = Math.Min(received.Length, BlockSize);
            if (!received[..n].SequenceEqual(At(position, n).Span))
            {
                return false;
            }
            received = received[n..];
            position += n;
        }
        return true;
    }
}
