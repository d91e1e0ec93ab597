namespace Netstack.Transport.Tcp;

/// <summary>
/// A sender-side congestion controller (RFC 5681 §3 vocabulary): it owns cwnd and ssthresh, in bytes,
/// and the endpoint tells it about ACKs, losses, idle periods and undone reductions; loss detection is the
/// endpoint's, and what to send during recovery (the RFC 6675 pipe with PRR, RFC 6582 partial ACKs and window
/// inflation) is its <see cref="ILossRecovery"/>'s. <see cref="CongestionControlFactory"/> creates one by name.
/// All time arrives as <see cref="TimeSpan"/> arguments from the stack's clock (virtual in tests), so
/// implementations never read a wall clock, and no call allocates. Implementations: <see cref="NewReno"/>
/// (RFC 5681/6582 with RFC 3465 byte counting) and <see cref="Cubic"/> (RFC 9438).
/// </summary>
internal interface ICongestionControl
{
    /// <summary>The algorithm's name as Linux spells it (<c>reno</c>, <c>cubic</c>).</summary>
    string Name { get; }

    /// <summary>cwnd in bytes.</summary>
    uint CongestionWindow { get; }

    /// <summary>ssthresh in bytes (<see cref="uint.MaxValue"/> until the first congestion event).</summary>
    uint SlowStartThreshold { get; }

    /// <summary>True while cwnd &lt; ssthresh (RFC 5681 §3.1).</summary>
    bool InSlowStart { get; }

    /// <summary>Starts (or restarts) the controller for a connection with the given sender MSS; cwnd becomes the RFC 6928 initial window.</summary>
    void Init(uint mss, TimeSpan now);

    /// <summary>
    /// New data was cumulatively acknowledged outside loss recovery. <paramref name="ackedBytes"/> is the
    /// number of newly acknowledged bytes (SND.UNA's advance, plus newly SACKed bytes if the endpoint
    /// counts them). The window only grows when <paramref name="cwndLimited"/>: the sender actually used it
    /// (<see cref="CwndUsage"/>, Linux <c>tcp_is_cwnd_limited</c>; RFC 7661 §4.3, RFC 9438 §5.8).
    /// </summary>
    void OnAck(uint ackedBytes, bool cwndLimited, TimeSpan now, TimeSpan minRtt);

    /// <summary>
    /// An ACK that newly acknowledged data gave an RTT sample (Linux <c>pkts_acked</c>): called before <see cref="OnAck"/>,
    /// also during loss recovery. CUBIC's HyStart may end slow start here.
    /// </summary>
    void OnRttSample(in AckRttSample sample, TimeSpan now)
    {
    }

    /// <summary>A loss was detected by fast retransmit, SACK or RACK (one call per window of data): reduce ssthresh and cwnd (RFC 5681 §3.2 step 2, RFC 6675 §5 step 4, RFC 9438 §4.6).</summary>
    void OnEnterRecovery(uint bytesInFlight, TimeSpan now);

    /// <summary>Loss recovery completed (the recovery point was cumulatively acknowledged).</summary>
    void OnExitRecovery(TimeSpan now);

    /// <summary>The retransmission timer expired: ssthresh is reduced (once per run of back-to-back timeouts, RFC 5681 §3.1 note) and cwnd becomes one MSS (the loss window).</summary>
    void OnRetransmitTimeout(uint bytesInFlight, TimeSpan now);

    /// <summary>The sender is about to transmit after having had nothing in flight for <paramref name="idle"/> (CUBIC leaves that time out of t, RFC 9438 §5.8).</summary>
    void OnIdle(TimeSpan idle, TimeSpan now)
    {
    }

    /// <summary>
    /// The application queued data after the connection sent none for <paramref name="idle"/>, with nothing in flight:
    /// restart the window when that exceeds <paramref name="rto"/> (RFC 5681 §4.1, <see cref="CongestionWindowMath.RestartAfterIdle"/>).
    /// </summary>
    void RestartAfterIdle(TimeSpan idle, TimeSpan rto);

    /// <summary>The last window reduction turned out to be spurious (D-SACK, Eifel, F-RTO): restore the state saved at the reduction (RFC 4015 §3.2, RFC 9438 §4.9).</summary>
    void OnSpuriousRecovery()
    {
    }
}
