using System.Security.Cryptography;

namespace Netstack.Stack;

/// <summary>
/// The one secret of a stack, and the per-purpose keys derived from it: TCP ISNs (RFC 6528 §3), the connection
/// table's hash, TCP timestamp offsets, SYN cookies, ephemeral port offsets and perturbation (RFC 6056 §3.3.4),
/// and IP identifications (RFC 7739). The 32 bytes come from <see cref="RandomNumberGenerator"/>; only a stack
/// with <see cref="NetStackOptions.RandomSeed"/> (repeatable tests and simulations) derives them from the seed.
/// </summary>
/// <remarks>
/// Each key is HMAC-SHA256(secret, purpose label) cut to 128 bits, so a value one purpose lets a peer observe
/// (an ISN, a port, an IP identification) says nothing about the key of another (RFC 6056 §3.3.4 asks for
/// independent secrets for its F and G).
/// </remarks>
internal sealed class StackSecret
{
    private const int Length = 32;

    private readonly byte[] _secret;

    private StackSecret(byte[] secret) => _secret = secret;

    /// <summary>A secret from the operating system's CSPRNG, or from <paramref name="seed"/> when one is given.</summary>
    public static StackSecret Create(int? seed)
    {
        var secret = new byte[Length];
        if (seed is int s)
        {
            new Random(s).NextBytes(secret);
        }
        else
        {
            RandomNumberGenerator.Fill(secret);
        }
        return new StackSecret(secret);
    }

    /// <summary>A secret with fixed bytes (at least 32), for tests.</summary>
    public static StackSecret FromBytes(ReadOnlySpan<byte> secret)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(secret.Length, Length, nameof(secret));
        return new StackSecret(secret[..Length].ToArray());
    }

    /// <summary>The key for one purpose (an ASCII label such as <c>"tcp isn"</c>); the same label always gives the same key.</summary>
    public SipHashKey DeriveKey(ReadOnlySpan<byte> purpose)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_secret, purpose, mac);
        return SipHashKey.FromBytes(mac);
    }

    /// <summary>Hides the key material from logs.</summary>
    public override string ToString() => "StackSecret(…)";
}
