namespace Netstack.Transport.Tcp;

/// <summary>
/// Whether the sender is using its congestion window, so cwnd may grow (RFC 7661 §4.3: do not increase cwnd while
/// not cwnd-limited; RFC 9438 §5.8). The form is Linux's (<c>tcp_cwnd_validate</c> and <c>tcp_is_cwnd_limited</c>):
/// after each transmission the endpoint reports whether the flight filled cwnd; once per window of data (until
/// SND.UNA passes what was sent when the window began) the largest flight and that flag are remembered. cwnd may
/// grow while that window was cwnd-limited, and in slow start also while cwnd is below twice the largest flight, so
/// an application that sends 9 segments with a cwnd of 10 still gets a cwnd of 18 from their ACKs, and one that
/// sends 5 keeps 10.
/// </summary>
internal struct CwndUsage
{
    private bool _started;
    private bool _limited;      // Linux tp->is_cwnd_limited
    private uint _maxFlight;    // Linux tp->max_packets_out, in bytes
    private SeqNumber _windowEnd; // Linux tp->cwnd_usage_seq

    /// <summary>Whether the current window's flight filled cwnd.</summary>
    public readonly bool WindowWasFull => _limited;

    /// <summary>The largest flight, in bytes, of the current window.</summary>
    public readonly uint MaxFlight => _maxFlight;

    /// <summary>Forgets the history (a new connection or controller).</summary>
    public void Reset() => this = default;

    /// <summary>
    /// New data went out (or could not for lack of cwnd): <paramref name="flight"/> bytes are in flight,
    /// <paramref name="limited"/> says whether they fill cwnd; <paramref name="sndNxt"/> ends what was sent.
    /// </summary>
    public void OnTransmit(SeqNumber sndUna, SeqNumber sndNxt, uint flight, bool limited)
    {
        if (!_started || sndUna >= _windowEnd || limited || (!_limited && flight > _maxFlight))
        {
            _started = true;
            _limited = limited;
            _maxFlight = flight;
            _windowEnd = sndNxt;
        }
    }

    /// <summary>Whether an ACK may grow <paramref name="cwnd"/> (bytes): the window was full, or in slow start cwnd is below twice the largest flight.</summary>
    public readonly bool IsCwndLimited(uint cwnd, bool inSlowStart) =>
        _limited || (inSlowStart && cwnd < 2 * (ulong)_maxFlight);
}
