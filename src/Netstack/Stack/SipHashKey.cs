using System.Buffers.Binary;

namespace Netstack.Stack;

/// <summary>
/// A 128-bit <see cref="SipHash"/> key, read as two little-endian 64-bit words as the SipHash paper
/// specifies. Keys are derived from the stack's one secret (<see cref="StackSecret.DeriveKey"/>).
/// </summary>
internal readonly record struct SipHashKey(ulong K0, ulong K1)
{
    /// <summary>Reads a key from its 16-byte form.</summary>
    public static SipHashKey FromBytes(ReadOnlySpan<byte> key16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(key16.Length, 16, nameof(key16));
        return new(BinaryPrimitives.ReadUInt64LittleEndian(key16), BinaryPrimitives.ReadUInt64LittleEndian(key16[8..]));
    }

    /// <summary>Hides the key material from logs.</summary>
    public override string ToString() => "SipHashKey(…)";
}
