using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Netstack.Stack;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), the keyed hash Linux
/// uses for RFC 6528 ISNs, SYN cookies and RFC 6056 port selection: two compression rounds per 8-byte
/// word, four finalisation rounds, a 128-bit key and a 64-bit output. It is a pseudo-random function,
/// so an attacker who does not know the key can neither predict outputs nor craft colliding inputs,
/// which is what hash-flooding-resistant demultiplexing tables need. Allocation-free.
/// </summary>
internal static class SipHash
{
    /// <summary>SipHash-2-4 of <paramref name="data"/> under <paramref name="key"/>.</summary>
    public static ulong Hash(in SipHashKey key, ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ key.K0;
        ulong v1 = 0x646f72616e646f6dUL ^ key.K1;
        ulong v2 = 0x6c7967656e657261UL ^ key.K0;
        ulong v3 = 0x7465646279746573UL ^ key.K1;

        int end = data.Length & ~7;
        for (int i = 0; i < end; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        // The last word holds the remaining bytes and the message length mod 256 in the top byte.
        ulong last = (ulong)data.Length << 56;
        for (int i = data.Length - 1; i >= end; i--)
        {
            last |= (ulong)data[i] << (8 * (i - end));
        }
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xff;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
