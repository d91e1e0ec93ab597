using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Netstack.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian words.
/// <see cref="Add(ReadOnlySpan{byte}, ulong)"/> accumulates into an unfolded 64-bit sum (vectorised: 32-bit lanes widened to
/// 64 bits, so carries are never lost); <see cref="Fold"/> turns a sum into 16 bits and
/// <see cref="Finish"/> complements it for the wire. Incremental update follows RFC 1624 (eqn. 3).
/// </summary>
public static class Checksum
{
    /// <summary>Adds <paramref name="data"/> as big-endian 16-bit words to <paramref name="sum"/>. Odd lengths are padded with a zero byte.</summary>
    /// <remarks>Only the last span of a sequence may have an odd length (RFC 1071 §2: bytes pair by position).</remarks>
    public static ulong Add(ReadOnlySpan<byte> data, ulong sum = 0)
    {
        // One's-complement addition is byte-order independent (RFC 1071 §2(B)): sum native-order words
        // and swap once at the end when the machine is little-endian.
        ulong acc = 0;
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 64)
        {
            Vector256<ulong> lo = Vector256<ulong>.Zero;
            Vector256<ulong> hi = Vector256<ulong>.Zero;
            for (; i <= length - 32; i += 32)
            {
                Vector256<uint> v = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32();
                (Vector256<ulong> a, Vector256<ulong> b) = Vector256.Widen(v);
                lo += a;
                hi += b;
            }
            acc += Vector256.Sum(lo + hi);
        }
        else if (Vector128.IsHardwareAccelerated && length >= 32)
        {
            Vector128<ulong> lo = Vector128<ulong>.Zero;
            Vector128<ulong> hi = Vector128<ulong>.Zero;
            for (; i <= length - 16; i += 16)
            {
                Vector128<uint> v = Vector128.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32();
                (Vector128<ulong> a, Vector128<ulong> b) = Vector128.Widen(v);
                lo += a;
                hi += b;
            }
            acc += Vector128.Sum(lo + hi);
        }
        for (; i <= length - 4; i += 4)
        {
            acc += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        }
        if (i <= length - 2)
        {
            acc += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
        {
            // The odd byte is the high byte of a big-endian word padded with zero.
            acc += BitConverter.IsLittleEndian ? Unsafe.Add(ref start, i) : (uint)Unsafe.Add(ref start, i) << 8;
        }
        ushort folded = FoldNative(acc);
        if (BitConverter.IsLittleEndian)
        {
            folded = BinaryPrimitives.ReverseEndianness(folded);
        }
        return sum + folded;
    }

    /// <summary>Adds a 16-bit value (host order) to the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Add(ushort value, ulong sum) => sum + value;

    /// <summary>Adds a 32-bit value (host order) as two 16-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Add(uint value, ulong sum) => sum + (value >> 16) + (value & 0xFFFF);

    /// <summary>Folds a sum to 16 bits (not complemented).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum >> 32) + (sum & 0xFFFFFFFF);
        sum = (sum >> 32) + (sum & 0xFFFFFFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        return (ushort)sum;
    }

    /// <summary>The value to put on the wire: the complement of the folded sum.</summary>
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    /// <summary>The checksum of <paramref name="data"/> alone, ready for the wire.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(data));

    /// <summary>True when data that contains its own checksum field sums to all ones (valid).</summary>
    public static bool IsValid(ReadOnlySpan<byte> data, ulong sum = 0) => Fold(Add(data, sum)) == 0xFFFF;

    /// <summary>The sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).</summary>
    public static ulong PseudoHeader(NetAddress source, NetAddress destination, byte protocol, int transportLength)
    {
        ulong sum = AddAddress(source, 0);
        sum = AddAddress(destination, sum);
        sum += protocol;
        sum = Add((uint)transportLength, sum);
        return sum;
    }

    /// <summary>RFC 1624 eqn. 3: the checksum after a 16-bit field changed from <paramref name="oldValue"/> to <paramref name="newValue"/>.</summary>
    public static ushort Update(ushort checksum, ushort oldValue, ushort newValue)
    {
        ulong sum = (ushort)~checksum;
        sum += (ushort)~oldValue;
        sum += newValue;
        return (ushort)~Fold(sum);
    }

    /// <summary>RFC 1624 for a 32-bit field (e.g. a sequence number or an IPv4 address).</summary>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
    {
        checksum = Update(checksum, (ushort)(oldValue >> 16), (ushort)(newValue >> 16));
        return Update(checksum, (ushort)oldValue, (ushort)newValue);
    }

    private static ulong AddAddress(NetAddress address, ulong sum)
    {
        if (!address.IsV6)
        {
            return Add(address.V4, sum);
        }
        ulong hi = (ulong)(address.Bits >> 64);
        ulong lo = (ulong)address.Bits;
        return Add((uint)(hi >> 32), Add((uint)hi, Add((uint)(lo >> 32), Add((uint)lo, sum))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort FoldNative(ulong acc)
    {
        acc = (acc >> 32) + (acc & 0xFFFFFFFF);
        acc = (acc >> 32) + (acc & 0xFFFFFFFF);
        acc = (acc >> 16) + (acc & 0xFFFF);
        acc = (acc >> 16) + (acc & 0xFFFF);
        return (ushort)acc;
    }
}
