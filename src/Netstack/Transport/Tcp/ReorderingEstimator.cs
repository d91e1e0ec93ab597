namespace Netstack.Transport.Tcp;

/// <summary>
/// How far the network reorders this connection's segments, in segments (Linux <c>tp->reordering</c> and
/// <c>tp->reord_seen</c>, tcpi_reordering and tcpi_reord_seen; the reordering RFC 8985 §6.2 adapts its window to).
/// A range that was never retransmitted and is delivered (SACKed or cumulatively acknowledged) below the highest SACKed
/// sequence arrived out of order: the distance from its start to that sequence, in segments rounded up, raises the
/// estimate (Linux <c>tcp_check_sack_reordering</c>). It starts at 3, RFC 5681's and RFC 6675's DupThresh, and is
/// only measured here: loss detection keeps its own rules.
/// </summary>
internal struct ReorderingEstimator
{
    /// <summary>The starting degree (RFC 6675 DupThresh, Linux tcp_reordering).</summary>
    public const int Initial = 3;

    /// <summary>The largest degree recorded (Linux tcp_max_reordering).</summary>
    public const int Max = 300;

    private int _degree;

    /// <summary>The estimate in segments.</summary>
    public readonly int Degree => _degree == 0 ? Initial : _degree;

    /// <summary>Times reordering was seen.</summary>
    public long Events { get; private set; }

    /// <summary>
    /// Data from <paramref name="lowestDelivered"/> (the lowest start of the never-retransmitted ranges an ACK just
    /// delivered) arrived below <paramref name="forwardAcked"/> (the highest SACKed sequence, or SND.UNA without SACKed
    /// data): a reordering event of that distance.
    /// </summary>
    public void OnReordered(SeqNumber lowestDelivered, SeqNumber forwardAcked, uint mss)
    {
        if (lowestDelivered >= forwardAcked || mss == 0)
        {
            return;
        }
        uint distance = forwardAcked.BytesFrom(lowestDelivered);
        if (distance > (ulong)Degree * mss)
        {
            _degree = (int)Math.Min((distance + mss - 1) / mss, Max);
        }
        Events++;
    }
}
