namespace Netstack.Transport.Tcp;

/// <summary>
/// One fast-recovery algorithm (RFC 5681 §3.2 vocabulary): how much to send per ACK during an episode and
/// what. The endpoint keeps the state machine (when an episode starts and ends, RTOs, undo) and calls in:
/// <see cref="Enter"/> once the congestion controller has reduced ssthresh, <see cref="OnAck"/> for every
/// ACK of the episode (including the one that started it), <see cref="Send"/> from its output routine.
/// Implementations: <see cref="SackLossRecovery"/> (RFC 6675 with RFC 6937 PRR) and
/// <see cref="NewRenoLossRecovery"/> (RFC 6582, for peers without SACK). Nothing allocates.
/// </summary>
internal interface ILossRecovery
{
    /// <summary>Starts an episode: <paramref name="flightSize"/> is SND.MAX − SND.UNA (RFC 6937 RecoverFS); retransmits the first unacknowledged segment.</summary>
    void Enter(uint flightSize);

    /// <summary>
    /// An ACK during the episode. <paramref name="deliveredData"/> is RFC 6937's DeliveredData (SND.UNA's advance plus the change
    /// in SACKed bytes), <paramref name="cumulativelyAcked"/> SND.UNA's advance (non-zero: a partial ACK, RFC 6582 §3.2 step 5),
    /// <paramref name="duplicate"/> whether it was a duplicate ACK, <paramref name="starting"/> whether it is the ACK that started the episode.
    /// </summary>
    void OnAck(long deliveredData, uint cumulativelyAcked, bool duplicate, bool starting);

    /// <summary>Transmits what the episode allows now (retransmissions first, then new data).</summary>
    void Send();

    /// <summary>RFC 8985 §6.2: a retransmission starting at <paramref name="start"/> was lost again; make it eligible for resending.</summary>
    void OnRetransmissionLost(SeqNumber start);

    /// <summary>The episode ended (full ACK, timeout or undo): forget its state.</summary>
    void Reset();
}

/// <summary>What a loss-recovery algorithm may ask of its connection (implemented by <see cref="TcpEndpoint"/>).</summary>
internal interface IRecoveryTransmitter
{
    SeqNumber SndUna { get; }

    SeqNumber SndMax { get; }

    /// <summary>Payload bytes per segment right now.</summary>
    uint SegmentSize { get; }

    ICongestionControl Congestion { get; }

    /// <summary>Whether the ACK being processed revealed a new loss (it started recovery, or RACK marked a segment lost).</summary>
    bool NewLossOnThisAck { get; }

    /// <summary>Resends [seq, seq + length) clipped to one segment and the buffered data; returns the bytes sent.</summary>
    int Retransmit(SeqNumber seq, int length);

    /// <summary>
    /// Resends lost data at <paramref name="seq"/> in the unit it was sent in (what is left of that segment or
    /// super-segment after ACKs and SACKs split it, as Linux retransmits the skb), at most <paramref name="length"/> bytes
    /// (the lost run) and <paramref name="maxBytes"/> (the budget), as one super-segment where the link takes them;
    /// returns the bytes sent.
    /// </summary>
    int RetransmitLost(SeqNumber seq, int length, int maxBytes);

    /// <summary>Resends the first unacknowledged segment (with the FIN if it is the last one); returns the bytes sent.</summary>
    int RetransmitFirstUnacknowledged();

    /// <summary>
    /// Sends up to <paramref name="maxSegments"/> new segments while the flight stays within <paramref name="window"/> (and
    /// the peer's window); each is one segment size, or with <paramref name="maxBytes"/> above it a super-segment of up to
    /// that many bytes (as Linux sends a recovery's new data in GSO packets). Returns the bytes sent.
    /// </summary>
    int SendNewData(long window, int maxSegments, int maxBytes = 0);
}
