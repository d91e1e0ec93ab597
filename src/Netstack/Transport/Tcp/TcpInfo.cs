namespace Netstack.Transport.Tcp;

/// <summary>A snapshot of one connection's state, like Linux's <c>struct tcp_info</c> (<c>ss -ti</c>).</summary>
public readonly record struct TcpInfo
{
    /// <summary>The connection state (RFC 9293 §3.3.2).</summary>
    public TcpConnectionState State { get; init; }
    /// <summary>The congestion control's name as Linux spells it (<c>reno</c>, <c>cubic</c>).</summary>
    public string CongestionControl { get; init; }
    /// <summary>cwnd in bytes; 0 during the handshake.</summary>
    public uint CongestionWindow { get; init; }
    /// <summary>ssthresh in bytes (<see cref="uint.MaxValue"/> until the first congestion event).</summary>
    public uint SlowStartThreshold { get; init; }
    /// <summary>SRTT, the smoothed round-trip time (RFC 6298 §2).</summary>
    public TimeSpan SmoothedRtt { get; init; }
    /// <summary>RTTVAR, the round-trip time variation (RFC 6298 §2).</summary>
    public TimeSpan RttVariance { get; init; }
    /// <summary>The smallest RTT sample over the last 5 minutes (Linux tcp_min_rtt_wlen), used by RACK and CUBIC.</summary>
    public TimeSpan MinRtt { get; init; }
    /// <summary>The current retransmission timeout (RFC 6298 §2), exponential back-off included.</summary>
    public TimeSpan Rto { get; init; }
    /// <summary>Bytes sent and not yet cumulatively acknowledged (SND.MAX − SND.UNA).</summary>
    public uint BytesInFlight { get; init; }
    /// <summary>Data segments retransmitted over the connection's life.</summary>
    public long Retransmits { get; init; }
    /// <summary>SACK blocks received from the peer over the connection's life.</summary>
    public long SackBlocksReceived { get; init; }
    /// <summary>Payload bytes per segment this side sends: the smaller of the two MSS options (536 when the peer sent none), less the timestamp option when in use.</summary>
    public int SendMss { get; init; }
    /// <summary>The MSS this side advertised in its SYN, in bytes (from the route MTU).</summary>
    public int AdvertisedMss { get; init; }
    /// <summary>The peer's receive window in bytes (SND.WND, scaled).</summary>
    public uint SendWindow { get; init; }
    /// <summary>Bytes the peer may still send past RCV.NXT under the window this side last advertised.</summary>
    public uint ReceiveWindow { get; init; }
    /// <summary>The peer's window scale shift (RFC 7323 §2), applied to windows it sends.</summary>
    public int SendWindowScale { get; init; }
    /// <summary>This side's window scale shift (RFC 7323 §2), applied to windows it sends.</summary>
    public int ReceiveWindowScale { get; init; }
    /// <summary>Whether both sides agreed on the Timestamps option (RFC 7323 §3).</summary>
    public bool Timestamps { get; init; }
    /// <summary>Whether both sides agreed on SACK (RFC 2018).</summary>
    public bool Sack { get; init; }
    /// <summary>Whether both sides agreed on Explicit Congestion Notification (RFC 3168 §6.1.1; Linux TCPI_OPT_ECN).</summary>
    public bool Ecn { get; init; }
    /// <summary>Payload bytes sent for the first time (retransmissions not counted).</summary>
    public long BytesSent { get; init; }
    /// <summary>Payload bytes received in order and queued for the application.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Bytes in the send buffer: written by the application and not yet acknowledged.</summary>
    public long SendBufferBytes { get; init; }
    /// <summary>Bytes received and not yet read by the application.</summary>
    public long ReceiveQueueBytes { get; init; }
    /// <summary>The sender's congestion state (Linux <c>tcpi_ca_state</c>).</summary>
    public TcpCongestionState CongestionState { get; init; }
    /// <summary>Bytes above SND.UNA the peer has selectively acknowledged (RFC 2018).</summary>
    public uint SackedBytes { get; init; }
    /// <summary>Bytes above SND.UNA deemed lost (RFC 6675 IsLost, or RACK, RFC 8985) and not yet acknowledged.</summary>
    public uint LostBytes { get; init; }
    /// <summary>
    /// How far the network reordered this connection's data, in segments (Linux tcpi_reordering): 3 (RFC 6675 DupThresh)
    /// until a segment sent once arrives (SACKed or acknowledged) below the highest SACKed sequence; then the largest such
    /// distance, at most 300. Measured on SACK connections only; loss detection (RACK, RFC 8985) keeps its own window.
    /// </summary>
    public int Reordering { get; init; }
    /// <summary>How many times reordering was seen (Linux tcpi_reord_seen).</summary>
    public long ReorderingEvents { get; init; }
    /// <summary>
    /// The peer's segment size as seen in the data it sends (Linux tcpi_rcv_mss): the largest segment (or, for a
    /// super-segment the link coalesced, its MSS), at most the MSS this side advertised; 536 or less before data came.
    /// </summary>
    public int ReceiveMss { get; init; }
    /// <summary>Time since the last data segment arrived, or since the handshake completed when none has (Linux tcpi_last_data_recv).</summary>
    public TimeSpan SinceLastDataReceived { get; init; }
    /// <summary>Time since the last data segment went out (Linux tcpi_last_data_sent); zero before any did.</summary>
    public TimeSpan SinceLastDataSent { get; init; }
    /// <summary>
    /// Time the connection had data queued or in flight (Linux tcpi_busy_time), <see cref="ReceiveWindowLimitedTime"/>
    /// and <see cref="SendBufferLimitedTime"/> included.
    /// </summary>
    public TimeSpan BusyTime { get; init; }
    /// <summary>Time data waited because the peer's receive window had no room for the next segment while cwnd had (Linux tcpi_rwnd_limited).</summary>
    public TimeSpan ReceiveWindowLimitedTime { get; init; }
    /// <summary>
    /// Time all written data was sent without filling cwnd while a write waited for send-buffer space, so the buffer,
    /// not the network, limited the connection (Linux tcpi_sndbuf_limited).
    /// </summary>
    public TimeSpan SendBufferLimitedTime { get; init; }
}
