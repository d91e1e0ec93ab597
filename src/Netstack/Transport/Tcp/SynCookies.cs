using System.Buffers.Binary;
using Netstack.Stack;

namespace Netstack.Transport.Tcp;

/// <summary>
/// SYN cookies in Linux's form (<c>net/ipv4/syncookies.c</c>; background in RFC 4987 §3.6): under SYN
/// flood the listener keeps no state and instead encodes it into the SYN-ACK's ISN,
/// <c>cookie = H0(tuple) + clientIsn + (count &lt;&lt; 24) + ((H1(tuple, count, clientIsn) + mssIndex) mod 2^24)</c>,
/// where H0/H1 are SipHash-2-4 under two per-stack secrets and <c>count</c> is a counter of 64-second
/// periods. Unlike Linux, H1 also covers the client ISN, so an ACK whose sequence number is off by a few
/// does not decode to a neighbouring MSS index but fails. The returning ACK (ack = cookie + 1, seq = clientIsn + 1) is valid when the recovered
/// counter is the current or the previous one (Linux <c>MAX_SYNCOOKIE_AGE</c> = 2) and the recovered
/// MSS index names an entry of the small MSS table (Linux's <c>msstab</c>; a separate table for IPv6).
/// Window scale, SACK-permitted and ECN cannot fit in the ISN, so when the client sent timestamps
/// they ride in the low 6 bits of our TSval (<see cref="EncodeTimestampOptions"/>, Linux
/// <c>cookie_init_timestamp</c>) and come back in the ACK's TSecr. Nothing allocates.
/// </summary>
internal sealed class SynCookies
{
    /// <summary>Linux <c>COOKIEBITS</c>: the low bits carry the hashed data, the high 8 bits the counter.</summary>
    private const int CookieBits = 24;
    private const uint CookieMask = (1u << CookieBits) - 1;

    /// <summary>Linux <c>MAX_SYNCOOKIE_AGE</c>: cookies from the current and the previous counter value are accepted.</summary>
    public const uint MaxAge = 2;

    /// <summary>The period of the cookie counter.</summary>
    public static readonly TimeSpan CounterPeriod = TimeSpan.FromSeconds(64);

    private const int TimestampBits = 6;
    private const uint TimestampMask = (1u << TimestampBits) - 1;
    private const uint TsWindowScaleMask = 0xF;
    private const uint TsSack = 1u << 4;
    private const uint TsEcn = 1u << 5;
    private const int MaxWindowScale = 14; // RFC 7323 §2.3

    private static readonly ushort[] MssTableV4 = [536, 1300, 1440, 1460];

    private static readonly ushort[] MssTableV6 = [1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60];

    private readonly SipHashKey _key0;
    private readonly SipHashKey _key1;

    /// <summary>Creates a cookie codec with two explicit secrets.</summary>
    public SynCookies(SipHashKey key0, SipHashKey key1)
    {
        _key0 = key0;
        _key1 = key1;
    }

    /// <summary>The cookie counter for a point in stack time: 64-second periods.</summary>
    public static uint Counter(TimeSpan now) => (uint)(now.Ticks / CounterPeriod.Ticks);

    /// <summary>
    /// The ISN to put in the SYN-ACK for a SYN with sequence number <paramref name="clientIsn"/> offering
    /// <paramref name="mss"/>; <paramref name="encodedMss"/> is the table value the cookie carries, which the
    /// listener must announce and use (the largest entry not above the offered MSS).
    /// </summary>
    public uint CreateCookie(in FourTuple tuple, SeqNumber clientIsn, ushort mss, uint now64s, out ushort encodedMss)
    {
        ReadOnlySpan<ushort> table = Table(tuple);
        int index = table.Length - 1;
        while (index > 0 && mss < table[index])
        {
            index--;
        }
        encodedMss = table[index];
        return unchecked(Hash(_key0, tuple, 0, 0) + clientIsn.Value + (now64s << CookieBits) +
                         ((Hash(_key1, tuple, now64s, clientIsn.Value) + (uint)index) & CookieMask));
    }

    /// <summary>
    /// Checks the cookie returned in an ACK (<paramref name="cookie"/> = SEG.ACK − 1, <paramref name="clientIsn"/> =
    /// SEG.SEQ − 1) and recovers the MSS. False for forged, tampered or expired cookies.
    /// </summary>
    public bool TryValidateCookie(in FourTuple tuple, SeqNumber clientIsn, uint cookie, uint now64s, out ushort mss)
    {
        mss = 0;
        uint rest = unchecked(cookie - Hash(_key0, tuple, 0, 0) - clientIsn.Value);
        // rest = (count << 24) + data, with data < 2^24; the counter's low 8 bits tell the cookie's age.
        uint age = unchecked(now64s - (rest >> CookieBits)) & (uint.MaxValue >> CookieBits);
        if (age >= MaxAge)
        {
            return false;
        }
        uint index = unchecked(rest - Hash(_key1, tuple, now64s - age, clientIsn.Value)) & CookieMask;
        ReadOnlySpan<ushort> table = Table(tuple);
        if (index >= (uint)table.Length)
        {
            return false;
        }
        mss = table[(int)index];
        return true;
    }

    /// <summary>
    /// Linux <c>cookie_init_timestamp</c>: the SYN-ACK's TSval with the options in its low 6 bits (4 bits
    /// window scale, 0xF meaning none; 1 bit SACK-permitted; 1 bit ECN), never later than <paramref name="tsval"/>.
    /// A window scale above 14 is treated as 14 (RFC 7323 §2.3).
    /// </summary>
    public static uint EncodeTimestampOptions(uint tsval, int? windowScale, bool sack, bool ecn = false)
    {
        uint options = windowScale is int ws ? (uint)Math.Clamp(ws, 0, MaxWindowScale) : TsWindowScaleMask;
        if (sack)
        {
            options |= TsSack;
        }
        if (ecn)
        {
            options |= TsEcn;
        }
        uint ts = (tsval & ~TimestampMask) | options;
        if (new SeqNumber(ts) > new SeqNumber(tsval))
        {
            ts = unchecked(ts - (1u << TimestampBits)); // keep the clock monotonic for PAWS
        }
        return ts;
    }

    /// <summary>Linux <c>cookie_timestamp_decode</c>: recovers the options from the TSecr of the cookie ACK.</summary>
    public static bool TryDecodeTimestampOptions(uint tsecr, out int? windowScale, out bool sack) =>
        TryDecodeTimestampOptions(tsecr, out windowScale, out sack, out _);

    /// <summary>As <see cref="TryDecodeTimestampOptions(uint, out int?, out bool)"/>, also recovering the ECN bit. False when the window scale field is not a valid shift (15 means none).</summary>
    public static bool TryDecodeTimestampOptions(uint tsecr, out int? windowScale, out bool sack, out bool ecn)
    {
        uint options = tsecr & TimestampMask;
        sack = (options & TsSack) != 0;
        ecn = (options & TsEcn) != 0;
        uint ws = options & TsWindowScaleMask;
        windowScale = ws == TsWindowScaleMask ? null : (int)ws;
        return ws <= MaxWindowScale || ws == TsWindowScaleMask;
    }

    private static ReadOnlySpan<ushort> Table(in FourTuple tuple) => tuple.LocalAddress.IsV6 ? MssTableV6 : MssTableV4;

    private static uint Hash(in SipHashKey key, in FourTuple tuple, uint count, uint clientIsn)
    {
        Span<byte> bytes = stackalloc byte[FourTuple.EncodedLength + 8];
        tuple.WriteTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[FourTuple.EncodedLength..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[(FourTuple.EncodedLength + 4)..], clientIsn);
        return (uint)SipHash.Hash(key, bytes);
    }
}
