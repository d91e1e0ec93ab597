using Netstack.Stack;
using Netstack.Wire;
namespace Netstack.Transport.Tcp;

/// <summary>
/// Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
/// secretkey), where M is a timer that ticks every 4 microseconds (RFC 9293 §3.4.1's clock) and F is
/// SipHash-2-4 of the 4-tuple under a per-stack random 128-bit secret (as Linux's
/// <c>secure_tcp_seq</c>). Successive connections of one 4-tuple therefore get increasing ISNs, while an
/// off-path attacker cannot guess another connection's ISN. The timer comes from the stack's
/// <see cref="TimeProvider"/> timestamp, so tests with a fake clock are repeatable. The connection
/// table's keyed hash (<see cref="Hash"/>) uses a key derived from the same secret but distinct from F,
/// so ISNs observed by a peer reveal nothing about hash-table buckets.
/// </summary>
internal sealed class InitialSequenceNumber
{
    private const long TicksPer4Microseconds = 250_000; // M's frequency in Hz

    private readonly TimeProvider _time;
    private readonly SipHashKey _secret;
    private readonly SipHashKey _tableKey;
    private readonly SipHashKey _timestampKey;

    /// <summary>Creates a generator with an explicit secret.</summary>
    public InitialSequenceNumber(TimeProvider timeProvider, SipHashKey secret)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _secret = secret;
        _tableKey = new SipHashKey(SipHash.Hash(secret, "netstack demux k0"u8), SipHash.Hash(secret, "netstack demux k1"u8));
        _timestampKey = new SipHashKey(SipHash.Hash(secret, "netstack tsoff k0"u8), SipHash.Hash(secret, "netstack tsoff k1"u8));
    }

    /// <summary>M: the 4 µs clock, wrapping at 2^32 (about every 4.77 hours).</summary>
    public uint Clock
    {
        get
        {
            long ts = _time.GetTimestamp();
            long f = _time.TimestampFrequency;
            // Split to avoid overflowing ts · 250 000 after ~10 h of nanosecond timestamps.
            return unchecked((uint)((ts / f * TicksPer4Microseconds) + (ts % f * TicksPer4Microseconds / f)));
        }
    }

    /// <summary>The ISN for a new connection of <paramref name="tuple"/> (local side first).</summary>
    public SeqNumber Generate(in FourTuple tuple) => new(unchecked(Clock + (uint)tuple.GetKeyedHash(_secret)));

    /// <summary>
    /// The offset added to the millisecond clock in our TSvals towards <paramref name="remote"/>: a keyed hash of the
    /// address pair only, not the ports (Linux <c>secure_tcp_ts_off</c>). Every connection between two hosts then
    /// sends timestamps from one increasing clock, so a delayed segment of an earlier incarnation of the same
    /// four-tuple — reused at once after an RST, with no TIME_WAIT to guard it — carries an older TSval than the
    /// new connection's and PAWS (RFC 7323 §5) drops it, even where its sequence number fits the new window.
    /// The peer still cannot read our uptime from it.
    /// </summary>
    public uint TimestampOffset(NetAddress local, NetAddress remote) =>
        (uint)new FourTuple(local, 0, remote, 0).GetKeyedHash(_timestampKey);

    /// <summary>The keyed 4-tuple hash for the demultiplexing table (independent of the ISN's F).</summary>
    public ulong Hash(in FourTuple tuple) => tuple.GetKeyedHash(_tableKey);

    /// <summary>A comparer for a connection table keyed by <see cref="FourTuple"/> that uses <see cref="Hash"/>.</summary>
    public FourTupleComparer CreateComparer() => new(_tableKey);
}
