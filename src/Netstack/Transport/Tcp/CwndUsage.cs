namespace Netstack.Transport.Tcp;

/// <summary>
/// Whether the sender is using its congestion window, so cwnd may grow (RFC 7661 §4.3: cwnd grows only while it is
/// validated, pipeACK ≥ ½·cwnd; RFC 9438 §5.8). The bookkeeping is Linux's (<c>tcp_cwnd_validate</c>): after each
/// transmission the endpoint reports the flight and whether it filled cwnd; once per window of data (until SND.UNA
/// passes what was sent when the window began) the largest flight and that flag are remembered. cwnd may grow while
/// that window filled it, or while cwnd is below twice the largest flight (RFC 7661's half, with the window's largest
/// flight for pipeACK; Linux <c>tcp_is_cwnd_limited</c> does this in slow start). So an application that sends 9
/// segments with a cwnd of 10 still gets a cwnd of 18 from their ACKs, and one that sends 5 keeps 10. Linux stops
/// growth in congestion avoidance unless the window was full; RFC 7661's half is kept there too, because a sender
/// held by its send buffer would otherwise pin cwnd at the buffer's size, and every loss would then cut the flight.
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

    /// <summary>Whether an ACK may grow <paramref name="cwnd"/> (bytes): the window was full, or cwnd is below twice the largest flight.</summary>
    public readonly bool IsCwndLimited(uint cwnd) => _limited || cwnd < 2 * (ulong)_maxFlight;
}
