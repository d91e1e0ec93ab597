namespace Netstack.Transport.Tcp;

/// <summary>
/// TCP counters of one stack at one moment, named as Linux <c>netstat -s</c> (<c>/proc/net/snmp</c> Tcp: and
/// <c>/proc/net/netstat</c> TcpExt:); see <see cref="Stack.NetStack.GetStatistics"/>.
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct TcpStatisticsSnapshot
{
    internal TcpStatisticsSnapshot(TcpStatistics counters)
    {
        ActiveOpens = Interlocked.Read(ref counters.ActiveOpens);
        PassiveOpens = Interlocked.Read(ref counters.PassiveOpens);
        AttemptFails = Interlocked.Read(ref counters.AttemptFails);
        EstabResets = Interlocked.Read(ref counters.EstabResets);
        CurrEstab = Interlocked.Read(ref counters.CurrEstab);
        InSegs = Interlocked.Read(ref counters.InSegs);
        OutSegs = Interlocked.Read(ref counters.OutSegs);
        RetransSegs = Interlocked.Read(ref counters.RetransSegs);
        InErrs = Interlocked.Read(ref counters.InErrs);
        OutRsts = Interlocked.Read(ref counters.OutRsts);
        InCsumErrors = Interlocked.Read(ref counters.InCsumErrors);
        SyncookiesSent = Interlocked.Read(ref counters.SyncookiesSent);
        SyncookiesRecv = Interlocked.Read(ref counters.SyncookiesRecv);
        SyncookiesFailed = Interlocked.Read(ref counters.SyncookiesFailed);
        TCPTimeouts = Interlocked.Read(ref counters.TCPTimeouts);
        TCPFastRetrans = Interlocked.Read(ref counters.TCPFastRetrans);
        TCPSackRecovery = Interlocked.Read(ref counters.TCPSackRecovery);
        TCPLossProbes = Interlocked.Read(ref counters.TCPLossProbes);
        TCPRackLoss = Interlocked.Read(ref counters.TCPRackLoss);
        TCPLostRetransmit = Interlocked.Read(ref counters.TCPLostRetransmit);
        TCPDSACKUndo = Interlocked.Read(ref counters.TCPDSACKUndo);
        TCPTimestampUndo = Interlocked.Read(ref counters.TCPTimestampUndo);
        TCPChallengeACK = Interlocked.Read(ref counters.TCPChallengeACK);
        TCPAbortOnData = Interlocked.Read(ref counters.TCPAbortOnData);
        TCPAbortOnTimeout = Interlocked.Read(ref counters.TCPAbortOnTimeout);
        TCPAbortOnClose = Interlocked.Read(ref counters.TCPAbortOnClose);
        PAWSEstab = Interlocked.Read(ref counters.PAWSEstab);
        TCPDSACKOldSent = Interlocked.Read(ref counters.TCPDSACKOldSent);
        TCPOFOQueue = Interlocked.Read(ref counters.TCPOFOQueue);
        TCPOFODrop = Interlocked.Read(ref counters.TCPOFODrop);
        ListenOverflows = Interlocked.Read(ref counters.ListenOverflows);
        ListenDrops = Interlocked.Read(ref counters.ListenDrops);
        TCPKeepAlive = Interlocked.Read(ref counters.TCPKeepAlive);
        TCPTimeWaitReuse = Interlocked.Read(ref counters.TCPTimeWaitReuse);
        TWRecycled = Interlocked.Read(ref counters.TWRecycled);
        TCPHystartTrainDetect = Interlocked.Read(ref counters.TCPHystartTrainDetect);
        TCPHystartTrainCwnd = Interlocked.Read(ref counters.TCPHystartTrainCwnd);
        TCPHystartDelayDetect = Interlocked.Read(ref counters.TCPHystartDelayDetect);
        TCPHystartDelayCwnd = Interlocked.Read(ref counters.TCPHystartDelayCwnd);
        TCPDeliveredCE = Interlocked.Read(ref counters.TCPDeliveredCE);
        TCPECNReductions = Interlocked.Read(ref counters.TCPECNReductions);
        ReceiveMemory = Interlocked.Read(ref counters.ReceiveMemory);
        PruneCalled = Interlocked.Read(ref counters.PruneCalled);
        OfoPruned = Interlocked.Read(ref counters.OfoPruned);
        RcvPruned = Interlocked.Read(ref counters.RcvPruned);
        TCPRcvCollapsed = Interlocked.Read(ref counters.TCPRcvCollapsed);
        TCPRcvCoalesce = Interlocked.Read(ref counters.TCPRcvCoalesce);
        TCPOFOMerge = Interlocked.Read(ref counters.TCPOFOMerge);
    }

    /// <summary>
    /// Connections opened actively: a connect sent a SYN (CLOSED to SYN-SENT). Linux <c>Tcp: ActiveOpens</c>;
    /// instrument <c>netstack.tcp.active_opens</c> in <c>{connection}</c>.
    /// </summary>
    public long ActiveOpens { get; }

    /// <summary>
    /// Connections opened passively: a listener or forwarder answered a SYN, or a SYN cookie validated. Linux
    /// <c>Tcp: PassiveOpens</c>; instrument <c>netstack.tcp.passive_opens</c> in <c>{connection}</c>.
    /// </summary>
    public long PassiveOpens { get; }

    /// <summary>
    /// Connection attempts that failed before reaching ESTABLISHED (SYN-SENT or SYN-RECEIVED to CLOSED). Linux
    /// <c>Tcp: AttemptFails</c>; instrument <c>netstack.tcp.attempt_fails</c> in <c>{connection}</c>.
    /// </summary>
    public long AttemptFails { get; }

    /// <summary>
    /// Connections reset while in ESTABLISHED or CLOSE-WAIT. Linux <c>Tcp: EstabResets</c>; instrument
    /// <c>netstack.tcp.established_resets</c> in <c>{connection}</c>.
    /// </summary>
    public long EstabResets { get; }

    /// <summary>
    /// Connections in ESTABLISHED or CLOSE-WAIT now (a gauge, not a count of events). Linux <c>Tcp: CurrEstab</c>;
    /// instrument <c>netstack.tcp.current_established</c> in <c>{connection}</c>.
    /// </summary>
    public long CurrEstab { get; }

    /// <summary>
    /// Segments received, including those in error. Linux <c>Tcp: InSegs</c>; instrument
    /// <c>netstack.tcp.segments.received</c> in <c>{segment}</c>.
    /// </summary>
    public long InSegs { get; }

    /// <summary>
    /// Segments sent (each super-segment handed to GSO counts once). Linux <c>Tcp: OutSegs</c>; instrument
    /// <c>netstack.tcp.segments.sent</c> in <c>{segment}</c>.
    /// </summary>
    public long OutSegs { get; }

    /// <summary>
    /// Segments retransmitted. Linux <c>Tcp: RetransSegs</c>; instrument <c>netstack.tcp.segments.retransmitted</c> in
    /// <c>{segment}</c>.
    /// </summary>
    public long RetransSegs { get; }

    /// <summary>
    /// Segments received in error (bad checksum, bad header). Linux <c>Tcp: InErrs</c>; instrument
    /// <c>netstack.tcp.segments.receive_errors</c> in <c>{segment}</c>.
    /// </summary>
    public long InErrs { get; }

    /// <summary>
    /// Segments sent with the RST flag. Linux <c>Tcp: OutRsts</c>; instrument <c>netstack.tcp.resets.sent</c> in
    /// <c>{segment}</c>.
    /// </summary>
    public long OutRsts { get; }

    /// <summary>
    /// Segments received with a bad checksum (also counted in InErrs). Linux <c>Tcp: InCsumErrors</c>; instrument
    /// <c>netstack.tcp.segments.checksum_errors</c> in <c>{segment}</c>.
    /// </summary>
    public long InCsumErrors { get; }

    /// <summary>
    /// SYN-ACKs sent carrying a SYN cookie (RFC 4987 §3.6) because the listener's SYN queue was full. Linux
    /// <c>TcpExt: SyncookiesSent</c>; instrument <c>netstack.tcp.syncookies.sent</c> in <c>{segment}</c>.
    /// </summary>
    public long SyncookiesSent { get; }

    /// <summary>
    /// ACKs whose SYN cookie validated and opened a connection. Linux <c>TcpExt: SyncookiesRecv</c>; instrument
    /// <c>netstack.tcp.syncookies.received</c> in <c>{segment}</c>.
    /// </summary>
    public long SyncookiesRecv { get; }

    /// <summary>
    /// ACKs whose SYN cookie did not validate. Linux <c>TcpExt: SyncookiesFailed</c>; instrument
    /// <c>netstack.tcp.syncookies.failed</c> in <c>{segment}</c>.
    /// </summary>
    public long SyncookiesFailed { get; }

    /// <summary>
    /// Retransmission timeouts (RTO expiries, RFC 6298 §5). Linux <c>TcpExt: TCPTimeouts</c>; instrument
    /// <c>netstack.tcp.timeouts</c> in <c>{timeout}</c>.
    /// </summary>
    public long TCPTimeouts { get; }

    /// <summary>
    /// Fast retransmits: loss recoveries entered on duplicate ACKs or SACK (RFC 5681 §3.2, RFC 6675). Linux
    /// <c>TcpExt: TCPFastRetrans</c>; instrument <c>netstack.tcp.fast_retransmits</c> in <c>{recovery}</c>.
    /// </summary>
    public long TCPFastRetrans { get; }

    /// <summary>
    /// Loss recoveries driven by SACK (RFC 6675), also counted in TCPFastRetrans. Linux <c>TcpExt: TCPSackRecovery</c>;
    /// instrument <c>netstack.tcp.sack_recoveries</c> in <c>{recovery}</c>.
    /// </summary>
    public long TCPSackRecovery { get; }

    /// <summary>
    /// Tail loss probes sent (RFC 8985 §7). Linux <c>TcpExt: TCPLossProbes</c>; instrument
    /// <c>netstack.tcp.loss_probes</c> in <c>{probe}</c>.
    /// </summary>
    public long TCPLossProbes { get; }

    /// <summary>
    /// Sent ranges RACK (RFC 8985 §6.2) declared lost by time. Linux has no exact counterpart (its TCPLostRetransmit
    /// counts only retransmissions RACK found lost); named in the same TcpExt style. No Linux counterpart; instrument
    /// <c>netstack.tcp.rack.lost</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPRackLoss { get; }

    /// <summary>
    /// Retransmissions RACK found lost again and resent before the RTO (RFC 8985 §6.2). Linux
    /// <c>TcpExt: TCPLostRetransmit</c>; instrument <c>netstack.tcp.lost_retransmits</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPLostRetransmit { get; }

    /// <summary>
    /// Window reductions undone because D-SACKs showed every retransmission needless (RFC 2883 §4, RFC 3708). Linux
    /// <c>TcpExt: TCPDSACKUndo</c>; instrument <c>netstack.tcp.undo.dsack</c> in <c>{recovery}</c>.
    /// </summary>
    public long TCPDSACKUndo { get; }

    /// <summary>
    /// Window reductions undone because the ACK echoed a timestamp older than the retransmission (Eifel, RFC 3522).
    /// Linux <c>TcpExt: TCPTimestampUndo</c>; instrument <c>netstack.tcp.undo.timestamp</c> in <c>{recovery}</c>.
    /// </summary>
    public long TCPTimestampUndo { get; }

    /// <summary>
    /// Challenge ACKs sent in answer to a suspicious RST or SYN (RFC 5961 §3-4). Linux <c>TcpExt: TCPChallengeACK</c>;
    /// instrument <c>netstack.tcp.challenge_acks</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPChallengeACK { get; }

    /// <summary>
    /// Connections reset because data arrived after the application closed. Linux <c>TcpExt: TCPAbortOnData</c>;
    /// instrument <c>netstack.tcp.aborts.on_data</c> in <c>{connection}</c>.
    /// </summary>
    public long TCPAbortOnData { get; }

    /// <summary>
    /// Connections aborted because retransmissions or keep-alive probes ran out. Linux
    /// <c>TcpExt: TCPAbortOnTimeout</c>; instrument <c>netstack.tcp.aborts.on_timeout</c> in <c>{connection}</c>.
    /// </summary>
    public long TCPAbortOnTimeout { get; }

    /// <summary>
    /// Connections reset because the application closed them with unread data. Linux <c>TcpExt: TCPAbortOnClose</c>;
    /// instrument <c>netstack.tcp.aborts.on_close</c> in <c>{connection}</c>.
    /// </summary>
    public long TCPAbortOnClose { get; }

    /// <summary>
    /// Segments dropped by PAWS (RFC 7323 §5) on a synchronized connection. Linux <c>TcpExt: PAWSEstab</c>; instrument
    /// <c>netstack.tcp.paws_rejected</c> in <c>{segment}</c>.
    /// </summary>
    public long PAWSEstab { get; }

    /// <summary>
    /// D-SACKs sent for duplicate data already received (RFC 2883). Linux <c>TcpExt: TCPDSACKOldSent</c>; instrument
    /// <c>netstack.tcp.dsack.sent</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPDSACKOldSent { get; }

    /// <summary>
    /// Segments queued out of order. Linux <c>TcpExt: TCPOFOQueue</c>; instrument
    /// <c>netstack.tcp.out_of_order.queued</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPOFOQueue { get; }

    /// <summary>
    /// Out-of-order segments dropped because the reassembly queue had no room (its segment count, or receive memory). Linux <c>TcpExt: TCPOFODrop</c>;
    /// instrument <c>netstack.tcp.out_of_order.dropped</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPOFODrop { get; }

    /// <summary>
    /// SYNs and handshakes dropped because a listener's accept queue (or the TCP forwarder's pending-request limit) was
    /// full. Linux <c>TcpExt: ListenOverflows</c>; instrument <c>netstack.tcp.listen.overflows</c> in
    /// <c>{connection}</c>.
    /// </summary>
    public long ListenOverflows { get; }

    /// <summary>
    /// SYNs a listener or the TCP forwarder dropped; overflows are among them. Linux <c>TcpExt: ListenDrops</c>;
    /// instrument <c>netstack.tcp.listen.drops</c> in <c>{connection}</c>.
    /// </summary>
    public long ListenDrops { get; }

    /// <summary>
    /// Keep-alive probes sent (RFC 9293 §3.8.4). Linux <c>TcpExt: TCPKeepAlive</c>; instrument
    /// <c>netstack.tcp.keepalives.sent</c> in <c>{probe}</c>.
    /// </summary>
    public long TCPKeepAlive { get; }

    /// <summary>
    /// TIME-WAIT connections ended early because a new SYN for the same four-tuple arrived (RFC 6191). No Linux
    /// counterpart; instrument <c>netstack.tcp.time_wait_reuses</c> in <c>{connection}</c>.
    /// </summary>
    public long TCPTimeWaitReuse { get; }

    /// <summary>
    /// TIME-WAIT connections ended early so that an active open could take their four-tuple, when every ephemeral port
    /// to that destination was in use: only with timestamps and a second after the peer's last one, so PAWS guards the
    /// new connection. Linux <c>TWRecycled</c> (<c>tcp_tw_reuse</c>); instrument <c>netstack.tcp.time_wait_recycled</c>
    /// in <c>{connection}</c>.
    /// </summary>
    public long TWRecycled { get; }

    /// <summary>
    /// Slow starts CUBIC ended on HyStart's ACK-train signal (<see cref="HyStartDetection.AckTrain"/>). Linux
    /// <c>TcpExt: TCPHystartTrainDetect</c>; instrument <c>netstack.tcp.hystart.train_exits</c> in <c>{event}</c>.
    /// </summary>
    public long TCPHystartTrainDetect { get; }

    /// <summary>
    /// The congestion windows, in segments, that the ACK-train exits left at, summed (divide by
    /// <see cref="TCPHystartTrainDetect"/> for the mean). Linux <c>TcpExt: TCPHystartTrainCwnd</c>; instrument
    /// <c>netstack.tcp.hystart.train_exit_cwnd</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPHystartTrainCwnd { get; }

    /// <summary>
    /// Slow starts CUBIC ended on HyStart's delay-increase signal (<see cref="HyStartDetection.Delay"/>). Linux
    /// <c>TcpExt: TCPHystartDelayDetect</c>; instrument <c>netstack.tcp.hystart.delay_exits</c> in <c>{event}</c>.
    /// </summary>
    public long TCPHystartDelayDetect { get; }

    /// <summary>
    /// The congestion windows, in segments, that the delay exits left at, summed. Linux <c>TcpExt: TCPHystartDelayCwnd</c>;
    /// instrument <c>netstack.tcp.hystart.delay_exit_cwnd</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPHystartDelayCwnd { get; }

    /// <summary>
    /// Segments acknowledged by ACKs carrying ECN-Echo (RFC 3168 §6.1.2): data the peer saw marked with congestion.
    /// Linux <c>TcpExt: TCPDeliveredCE</c>; instrument <c>netstack.tcp.ecn.delivered_ce</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPDeliveredCE { get; }

    /// <summary>
    /// Congestion window reductions in answer to ECN-Echo, at most one per window of data (RFC 3168 §6.1.2). Linux has no
    /// counterpart; named in the <c>TcpExt</c> style. Instrument <c>netstack.tcp.ecn.reductions</c> in <c>{reduction}</c>.
    /// </summary>
    public long TCPECNReductions { get; }
    /// <summary>
    /// Bytes of packet buffers the receive and out-of-order queues of all connections hold now, counted by block size (truesize), not payload (a gauge, not a count of events). Linux <c>sockstat: TCP mem</c> (there in pages); instrument <c>netstack.tcp.receive_memory</c> in <c>By</c>.
    /// </summary>
    public long ReceiveMemory { get; }

    /// <summary>
    /// Times a connection's receive memory went over its limit or the stack's, and the queues were pruned. Linux <c>TcpExt: PruneCalled</c>; instrument <c>netstack.tcp.prune.called</c> in <c>{event}</c>.
    /// </summary>
    public long PruneCalled { get; }

    /// <summary>
    /// Prunes that dropped out-of-order data, from the highest sequence down, to make room. Linux <c>TcpExt: OfoPruned</c>; instrument <c>netstack.tcp.prune.out_of_order</c> in <c>{event}</c>.
    /// </summary>
    public long OfoPruned { get; }

    /// <summary>
    /// Segments dropped because pruning the out-of-order queue did not free enough receive memory. Linux <c>TcpExt: RcvPruned</c>; instrument <c>netstack.tcp.prune.receive</c> in <c>{segment}</c>.
    /// </summary>
    public long RcvPruned { get; }

    /// <summary>
    /// Segments whose payload was copied out of an oversized packet buffer into right-sized pooled storage, so a small segment does not pin a large block. Linux <c>TcpExt: TCPRcvCollapsed</c> (there counted when tcp_collapse copies under pressure; here the copy happens on arrival); instrument <c>netstack.tcp.receive.collapsed</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPRcvCollapsed { get; }

    /// <summary>
    /// In-order segments appended to the tail of the receive queue instead of queued as buffers of their own. Linux <c>TcpExt: TCPRcvCoalesce</c>; instrument <c>netstack.tcp.receive.coalesced</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPRcvCoalesce { get; }

    /// <summary>
    /// Out-of-order segments appended to the held segment they continue instead of held as buffers of their own. Linux <c>TcpExt: TCPOFOMerge</c>; instrument <c>netstack.tcp.out_of_order.merged</c> in <c>{segment}</c>.
    /// </summary>
    public long TCPOFOMerge { get; }
}
