using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Netstack.Stack;

/// <summary>
/// A 128-bit <see cref="SipHash"/> key, read as two little-endian 64-bit words as the SipHash paper
/// specifies. Each stack draws its secrets once (RFC 6528 §3 asks for a secret that is random and,
/// ideally, periodically refreshed); tests pass a seeded <see cref="Random"/> for repeatable runs.
/// </summary>
internal readonly record struct SipHashKey(ulong K0, ulong K1)
{
    /// <summary>Reads a key from its 16-byte form.</summary>
    public static SipHashKey FromBytes(ReadOnlySpan<byte> key16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(key16.Length, 16, nameof(key16));
        return new(BinaryPrimitives.ReadUInt64LittleEndian(key16), BinaryPrimitives.ReadUInt64LittleEndian(key16[8..]));
    }

    /// <summary>A key from the system's cryptographic random number generator, or from <paramref name="random"/> when given (for deterministic tests).</summary>
    public static SipHashKey CreateRandom(Random? random = null)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (random is null)
        {
            RandomNumberGenerator.Fill(bytes);
        }
        else
        {
            random.NextBytes(bytes);
        }
        return FromBytes(bytes);
    }

    /// <summary>Hides the key material from logs.</summary>
    public override string ToString() => "SipHashKey(…)";
}
