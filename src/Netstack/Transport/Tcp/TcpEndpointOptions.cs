namespace Netstack.Transport.Tcp;

/// <summary>Per-connection settings (the socket options of a Linux TCP socket), copied from a listener to its children.</summary>
public sealed class TcpEndpointOptions
{
    /// <summary>The most bytes the send buffer holds, unsent and unacknowledged together (SO_SNDBUF); writes beyond it wait.</summary>
    public int SendBufferSize { get; set; } = 256 * 1024;

    /// <summary>The initial receive buffer (and the fixed one when auto-tuning is off).</summary>
    public int ReceiveBufferSize { get; set; } = 256 * 1024;

    /// <summary>Grow the receive buffer with the application's read rate (Linux tcp_moderate_rcvbuf).</summary>
    public bool ReceiveBufferAutoTuning { get; set; } = true;

    /// <summary>The most auto-tuning may grow the receive buffer to (Linux tcp_rmem[2]).</summary>
    public int MaxReceiveBufferSize { get; set; } = 6 * 1024 * 1024;

    /// <summary>Our window scale shift (RFC 7323 §2.2), fixed at the handshake from the largest buffer we may use.</summary>
    internal int WindowShift
    {
        get
        {
            int largest = ReceiveBufferAutoTuning ? Math.Max(ReceiveBufferSize, MaxReceiveBufferSize) : ReceiveBufferSize;
            int shift = 0;
            while (shift < 14 && (largest >> shift) > ushort.MaxValue)
            {
                shift++;
            }
            return shift;
        }
    }

    /// <summary>
    /// Quick-ACK mode, as Linux: the first data of a connection (and data after the peer was silent longer than the
    /// RTO) is acknowledged segment by segment, up to 16 ACKs, instead of every second segment or after the delayed-ACK
    /// timer, so a peer in slow start is not held back (RFC 5681 §4.2 allows acknowledging more often). On by default.
    /// </summary>
    public bool QuickAck { get; set; } = true;

    /// <summary>
    /// Run the continuation of an awaited read or write on the thread that made it ready (usually the link's
    /// dispatcher, right after the segment was processed) instead of queueing it to the thread pool, as .NET sockets do
    /// with <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>. It saves a thread wake-up per operation, which is
    /// most of a request-response's latency; but the continuation then holds up every connection on that link while it
    /// runs, so use it only for code that does little and never blocks. Off by default.
    /// </summary>
    public bool InlineCompletions { get; set; }

    /// <summary>TCP_NODELAY: send small segments without waiting (disables Nagle, RFC 896).</summary>
    public bool NoDelay { get; set; }

    /// <summary>
    /// TCP_CORK: hold a partial last segment until more data fills it, the cork is removed, or one retransmission
    /// timeout passes with nothing in flight (Linux's bound, about 200 ms); full segments still go. Overrides
    /// <see cref="NoDelay"/>.
    /// </summary>
    public bool Cork { get; set; }

    /// <summary>SO_KEEPALIVE: probe an idle connection (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6) and end it when the peer stays silent.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>Idle time before the first keepalive probe (TCP_KEEPIDLE; RFC 1122 asks for at least two hours by default).</summary>
    public TimeSpan KeepAliveTime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Time between unanswered keepalive probes (TCP_KEEPINTVL).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// Unanswered keepalive probes before the connection is reset and fails with TimedOut (TCP_KEEPCNT). With a
    /// <see cref="UserTimeout"/> the count does not apply: the connection ends once a probe is out and nothing has arrived
    /// for the user timeout, as Linux does.
    /// </summary>
    public int KeepAliveProbes { get; set; } = 9;

    /// <summary>Abortive close (RST) on dispose, like SO_LINGER with a zero timeout.</summary>
    public bool LingerZero { get; set; }

    /// <summary>Offer and accept the timestamps option (RFC 7323 §3: RTT measurement and PAWS); used only when both ends do.</summary>
    public bool Timestamps { get; set; } = true;

    /// <summary>Offer and accept selective acknowledgments (RFC 2018, with D-SACK, RFC 2883); used only when both ends do.</summary>
    public bool Sack { get; set; } = true;

    /// <summary>Offer and accept window scaling (RFC 7323 §2); without it the window is at most 64 KiB.</summary>
    public bool WindowScaling { get; set; } = true;

    /// <summary>
    /// Explicit Congestion Notification (RFC 3168, Linux <c>tcp_ecn</c>): <see cref="TcpEcnMode.AcceptOnly"/> by default, as
    /// Linux; <see cref="TcpEcnMode.RequestAndAccept"/> also asks for it on our SYNs, <see cref="TcpEcnMode.Disabled"/> never uses it.
    /// </summary>
    public TcpEcnMode Ecn { get; set; } = TcpEcnMode.AcceptOnly;

    /// <summary>SYN retransmissions before a connect fails with TimedOut (Linux tcp_syn_retries).</summary>
    public int SynRetries { get; set; } = 6;

    /// <summary>Retransmissions of data before the connection fails (Linux tcp_retries2).</summary>
    public int MaxRetransmits { get; set; } = 15;

    /// <summary>Total TIME_WAIT duration (2·MSL); Linux uses 60 s.</summary>
    public TimeSpan TimeWaitDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an orphaned connection may stay in FIN_WAIT_2 (Linux tcp_fin_timeout).</summary>
    public TimeSpan FinWait2Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest an ACK of in-order data waits for a second segment to ride with (RFC 9293 §3.8.6.3 allows up to 0.5 s).</summary>
    public TimeSpan DelayedAckTimeout { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>The retransmission timeout before the first RTT sample (RFC 6298 §2.1: 1 s).</summary>
    public TimeSpan InitialRto { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The least the retransmission timeout exceeds SRTT by (RFC 6298 §2.4 asks an RTO of at least 1 s; Linux keeps it at least 200 ms above SRTT, tcp_rto_min, and so does this).</summary>
    public TimeSpan MinRto { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The ceiling of the retransmission timeout and of the zero-window probe back-off (RFC 6298 §2.5).</summary>
    public TimeSpan MaxRto { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// TCP_NOTSENT_LOWAT: how many written bytes may wait unsent before writes wait, whatever room the send buffer has,
    /// so the application keeps little queued that it might rather replace. As Linux, a write starts a new chunk of one
    /// send burst (whole segments, at most half the peer's largest window) only while fewer bytes than this are unsent,
    /// and fills a started chunk whole, so the unsent bytes may pass the watermark by less than one burst; the
    /// connection counts as writable again once they fall below half of it (Linux <c>tcp_stream_memory_free</c>).
    /// <see cref="int.MaxValue"/> (the default) leaves only <see cref="SendBufferSize"/>; values below 1 throw
    /// <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public int NotSentLowWatermark
    {
        get => _notSentLowWatermark;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _notSentLowWatermark = value;
        }
    }

    private int _notSentLowWatermark = int.MaxValue;

    /// <summary>
    /// TCP_USER_TIMEOUT (RFC 5482, RFC 9293 §3.8.3's USER TIMEOUT): how long sent data may stay unacknowledged, or the
    /// peer's window stay closed to our probes, or the peer stay silent to keepalive probes, before the connection is reset
    /// and fails with TimedOut; it replaces the counts of <see cref="MaxRetransmits"/> and <see cref="KeepAliveProbes"/> and
    /// bounds the retransmission back-off, as Linux does. <see cref="TimeSpan.Zero"/>
    /// (the default) leaves the limit to <see cref="MaxRetransmits"/>; negative values throw <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public TimeSpan UserTimeout
    {
        get => _userTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _userTimeout = value;
        }
    }

    private TimeSpan _userTimeout;

    /// <summary>
    /// TCP_MAXSEG: the largest segment payload we announce in our SYN and send (a clamp below the route's MSS, Linux
    /// <c>user_mss</c>); 0 (the default) leaves the MSS to the route. It counts at the handshake; a listener's value goes
    /// to its children. Otherwise 88 to 32767, as Linux accepts; anything else throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public int MaxSegmentSize
    {
        get => _maxSegmentSize;
        set
        {
            if (value != 0)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(value, 88);
                ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 32767);
            }
            _maxSegmentSize = value;
        }
    }

    private int _maxSegmentSize;

    /// <summary>
    /// IP_TOS / IPV6_TCLASS: the type of service (IPv4) or traffic class (IPv6) of every packet the connection sends,
    /// its SYN-ACKs included. Only the six bits above ECN are kept (a value's low two bits are cleared, as Linux does for
    /// TCP): the ECN codepoint stays the stack's (RFC 3168 §6.1.4). 0 by default.
    /// </summary>
    public byte TypeOfService
    {
        get => _typeOfService;
        set => _typeOfService = (byte)(value & ~0x3);
    }

    private byte _typeOfService;

    /// <summary>
    /// Path MTU discovery for IPv4 (RFC 1191; .NET's <c>Socket.DontFragment</c>, Linux IP_MTU_DISCOVER): on (the default),
    /// every segment carries Don't Fragment and an ICMP "fragmentation needed" lowers the MSS; off (Linux
    /// IP_PMTUDISC_DONT), segments go without DF, so a router with a smaller MTU fragments them, and such ICMP messages
    /// are ignored. IPv6 has no DF bit: there path MTU discovery stays on.
    /// </summary>
    public bool DontFragment { get; set; } = true;

    /// <summary>
    /// Restart the congestion window after idle (Linux <c>tcp_slow_start_after_idle</c>): when the application queues
    /// data on a connection with nothing in flight that has sent no data for longer than the RTO, cwnd is halved for
    /// every RTO of that time, down to the restart window min(IW, cwnd), and ssthresh keeps 3/4 of the old cwnd (RFC 5681
    /// §4.1, in Linux's form <c>tcp_cwnd_restart</c>). On by default: RFC 5681 §4.1 says SHOULD and it is Linux's default,
    /// because a window learned long ago may no longer fit the path, and sending all of it at once is a line-rate burst
    /// into queues the connection no longer knows. Turn it off for long-lived connections that send bursts after pauses
    /// over a path they own (RFC 7661 keeps a validated window through idle periods, as Linux with the sysctl at 0).
    /// </summary>
    public bool SlowStartAfterIdle { get; set; } = true;

    /// <summary>"cubic" (default), "reno" or "newreno" (<see cref="CongestionControlFactory.KnownNames"/>); any other name throws <see cref="ArgumentException"/>.</summary>
    public string CongestionControl
    {
        get => _congestionControl;
        set
        {
            CongestionControlFactory.ThrowIfUnknown(value, nameof(CongestionControl));
            _congestionControl = value;
        }
    }

    private string _congestionControl = "cubic";

    /// <summary>
    /// The HyStart signals that end CUBIC's slow start before the first loss, setting ssthresh to cwnd (Linux's
    /// <c>tcp_cubic</c> parameter <c>hystart_detect</c>): <see cref="HyStartDetection.Both"/> by default, as Linux, so a
    /// flow stops doubling once a queue starts to build (the delay signal) or its flight spans about half the path's delay
    /// (the ACK-train signal), rather than at the loss that overflowing the bottleneck's buffer causes. It acts from a cwnd
    /// of 16 segments on, once per connection (again after a retransmission timeout). <see cref="HyStartDetection.None"/>
    /// leaves slow start to end at the first loss. Read when the endpoint is created and when
    /// <see cref="TcpEndpoint.SetCongestionControl"/> switches algorithms; other algorithms ignore it. Values outside
    /// <see cref="HyStartDetection.Both"/> throw <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public HyStartDetection HyStart
    {
        get => _hyStart;
        set
        {
            if ((value & ~HyStartDetection.Both) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "HyStart's signals are AckTrain and Delay.");
            }
            _hyStart = value;
        }
    }

    private HyStartDetection _hyStart = HyStartDetection.Both;

    /// <summary>A copy: each endpoint and listener takes its own, so later changes to the template do not reach it.</summary>
    public TcpEndpointOptions Clone() => (TcpEndpointOptions)MemberwiseClone();

    /// <summary>
    /// The fewest segments TSO autosizing gives a super-segment (Linux <c>tcp_min_tso_segs</c>, 2): internal, for the
    /// packetdrill shim, whose scripts set the sysctl.
    /// </summary>
    internal int MinTsoSegments { get; set; } = 2;
}
