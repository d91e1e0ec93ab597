using System.Diagnostics.Metrics;
using Netstack.Stack;

namespace Netstack.Transport.Tcp;

/// <summary>
/// The mutable counters behind <see cref="TcpStatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class TcpStatistics
{
    public long ActiveOpens;
    public long PassiveOpens;
    public long AttemptFails;
    public long EstabResets;
    public long CurrEstab;
    public long InSegs;
    public long OutSegs;
    public long RetransSegs;
    public long InErrs;
    public long OutRsts;
    public long InCsumErrors;
    public long SyncookiesSent;
    public long SyncookiesRecv;
    public long SyncookiesFailed;
    public long TCPTimeouts;
    public long TCPFastRetrans;
    public long TCPSackRecovery;
    public long TCPLossProbes;
    public long TCPRackLoss;
    public long TCPLostRetransmit;
    public long TCPDSACKUndo;
    public long TCPTimestampUndo;
    public long TCPChallengeACK;
    public long TCPAbortOnData;
    public long TCPAbortOnTimeout;
    public long TCPAbortOnClose;
    public long PAWSEstab;
    public long TCPDSACKOldSent;
    public long TCPOFOQueue;
    public long TCPOFODrop;
    public long ListenOverflows;
    public long ListenDrops;
    public long TCPKeepAlive;
    public long TCPTimeWaitReuse;
    public long TWRecycled;
    public long TCPHystartTrainDetect;
    public long TCPHystartTrainCwnd;
    public long TCPHystartDelayDetect;
    public long TCPHystartDelayCwnd;
    public long TCPDeliveredCE;
    public long TCPECNReductions;
    public long ReceiveMemory;
    public long PruneCalled;
    public long OfoPruned;
    public long RcvPruned;
    public long TCPRcvCollapsed;
    public long TCPRcvCoalesce;
    public long TCPOFOMerge;

    internal static void Increment(ref long counter) => Interlocked.Increment(ref counter);

    /// <summary>Publishes every counter on <paramref name="meter"/> (instrument names in the README's Metrics section).</summary>
    public void Register(Meter meter)
    {
        StatisticsInstruments.Counter(meter, "netstack.tcp.active_opens", "{connection}", "Connections opened actively: a connect sent a SYN (CLOSED to SYN-SENT).", () => Interlocked.Read(ref ActiveOpens));
        StatisticsInstruments.Counter(meter, "netstack.tcp.passive_opens", "{connection}", "Connections opened passively: a listener or forwarder answered a SYN, or a SYN cookie validated.", () => Interlocked.Read(ref PassiveOpens));
        StatisticsInstruments.Counter(meter, "netstack.tcp.attempt_fails", "{connection}", "Connection attempts that failed before reaching ESTABLISHED (SYN-SENT or SYN-RECEIVED to CLOSED).", () => Interlocked.Read(ref AttemptFails));
        StatisticsInstruments.Counter(meter, "netstack.tcp.established_resets", "{connection}", "Connections reset while in ESTABLISHED or CLOSE-WAIT.", () => Interlocked.Read(ref EstabResets));
        StatisticsInstruments.UpDown(meter, "netstack.tcp.current_established", "{connection}", "Connections in ESTABLISHED or CLOSE-WAIT now (a gauge, not a count of events).", () => Interlocked.Read(ref CurrEstab));
        StatisticsInstruments.Counter(meter, "netstack.tcp.segments.received", "{segment}", "Segments received, including those in error.", () => Interlocked.Read(ref InSegs));
        StatisticsInstruments.Counter(meter, "netstack.tcp.segments.sent", "{segment}", "Segments sent (each super-segment handed to GSO counts once).", () => Interlocked.Read(ref OutSegs));
        StatisticsInstruments.Counter(meter, "netstack.tcp.segments.retransmitted", "{segment}", "Segments retransmitted.", () => Interlocked.Read(ref RetransSegs));
        StatisticsInstruments.Counter(meter, "netstack.tcp.segments.receive_errors", "{segment}", "Segments received in error (bad checksum, bad header).", () => Interlocked.Read(ref InErrs));
        StatisticsInstruments.Counter(meter, "netstack.tcp.resets.sent", "{segment}", "Segments sent with the RST flag.", () => Interlocked.Read(ref OutRsts));
        StatisticsInstruments.Counter(meter, "netstack.tcp.segments.checksum_errors", "{segment}", "Segments received with a bad checksum (also counted in InErrs).", () => Interlocked.Read(ref InCsumErrors));
        StatisticsInstruments.Counter(meter, "netstack.tcp.syncookies.sent", "{segment}", "SYN-ACKs sent carrying a SYN cookie (RFC 4987 §3.6) because the listener's SYN queue was full.", () => Interlocked.Read(ref SyncookiesSent));
        StatisticsInstruments.Counter(meter, "netstack.tcp.syncookies.received", "{segment}", "ACKs whose SYN cookie validated and opened a connection.", () => Interlocked.Read(ref SyncookiesRecv));
        StatisticsInstruments.Counter(meter, "netstack.tcp.syncookies.failed", "{segment}", "ACKs whose SYN cookie did not validate.", () => Interlocked.Read(ref SyncookiesFailed));
        StatisticsInstruments.Counter(meter, "netstack.tcp.timeouts", "{timeout}", "Retransmission timeouts (RTO expiries, RFC 6298 §5).", () => Interlocked.Read(ref TCPTimeouts));
        StatisticsInstruments.Counter(meter, "netstack.tcp.fast_retransmits", "{recovery}", "Fast retransmits: loss recoveries entered on duplicate ACKs or SACK (RFC 5681 §3.2, RFC 6675).", () => Interlocked.Read(ref TCPFastRetrans));
        StatisticsInstruments.Counter(meter, "netstack.tcp.sack_recoveries", "{recovery}", "Loss recoveries driven by SACK (RFC 6675), also counted in TCPFastRetrans.", () => Interlocked.Read(ref TCPSackRecovery));
        StatisticsInstruments.Counter(meter, "netstack.tcp.loss_probes", "{probe}", "Tail loss probes sent (RFC 8985 §7).", () => Interlocked.Read(ref TCPLossProbes));
        StatisticsInstruments.Counter(meter, "netstack.tcp.rack.lost", "{segment}", "Sent ranges RACK (RFC 8985 §6.2) declared lost by time. Linux has no exact counterpart (its TCPLostRetransmit counts only retransmissions RACK found lost); named in the same TcpExt style.", () => Interlocked.Read(ref TCPRackLoss));
        StatisticsInstruments.Counter(meter, "netstack.tcp.lost_retransmits", "{segment}", "Retransmissions RACK found lost again and resent before the RTO (RFC 8985 §6.2).", () => Interlocked.Read(ref TCPLostRetransmit));
        StatisticsInstruments.Counter(meter, "netstack.tcp.undo.dsack", "{recovery}", "Window reductions undone because D-SACKs showed every retransmission needless (RFC 2883 §4, RFC 3708).", () => Interlocked.Read(ref TCPDSACKUndo));
        StatisticsInstruments.Counter(meter, "netstack.tcp.undo.timestamp", "{recovery}", "Window reductions undone because the ACK echoed a timestamp older than the retransmission (Eifel, RFC 3522).", () => Interlocked.Read(ref TCPTimestampUndo));
        StatisticsInstruments.Counter(meter, "netstack.tcp.challenge_acks", "{segment}", "Challenge ACKs sent in answer to a suspicious RST or SYN (RFC 5961 §3-4).", () => Interlocked.Read(ref TCPChallengeACK));
        StatisticsInstruments.Counter(meter, "netstack.tcp.aborts.on_data", "{connection}", "Connections reset because data arrived after the application closed.", () => Interlocked.Read(ref TCPAbortOnData));
        StatisticsInstruments.Counter(meter, "netstack.tcp.aborts.on_timeout", "{connection}", "Connections aborted because retransmissions or keep-alive probes ran out.", () => Interlocked.Read(ref TCPAbortOnTimeout));
        StatisticsInstruments.Counter(meter, "netstack.tcp.aborts.on_close", "{connection}", "Connections reset because the application closed them with unread data.", () => Interlocked.Read(ref TCPAbortOnClose));
        StatisticsInstruments.Counter(meter, "netstack.tcp.paws_rejected", "{segment}", "Segments dropped by PAWS (RFC 7323 §5) on a synchronized connection.", () => Interlocked.Read(ref PAWSEstab));
        StatisticsInstruments.Counter(meter, "netstack.tcp.dsack.sent", "{segment}", "D-SACKs sent for duplicate data already received (RFC 2883).", () => Interlocked.Read(ref TCPDSACKOldSent));
        StatisticsInstruments.Counter(meter, "netstack.tcp.out_of_order.queued", "{segment}", "Segments queued out of order.", () => Interlocked.Read(ref TCPOFOQueue));
        StatisticsInstruments.Counter(meter, "netstack.tcp.out_of_order.dropped", "{segment}", "Out-of-order segments dropped because the reassembly queue had no room (its segment count, or receive memory).", () => Interlocked.Read(ref TCPOFODrop));
        StatisticsInstruments.Counter(meter, "netstack.tcp.listen.overflows", "{connection}", "SYNs and handshakes dropped because a listener's accept queue (or the TCP forwarder's pending-request limit) was full.", () => Interlocked.Read(ref ListenOverflows));
        StatisticsInstruments.Counter(meter, "netstack.tcp.listen.drops", "{connection}", "SYNs a listener or the TCP forwarder dropped; overflows are among them.", () => Interlocked.Read(ref ListenDrops));
        StatisticsInstruments.Counter(meter, "netstack.tcp.keepalives.sent", "{probe}", "Keep-alive probes sent (RFC 9293 §3.8.4).", () => Interlocked.Read(ref TCPKeepAlive));
        StatisticsInstruments.Counter(meter, "netstack.tcp.time_wait_reuses", "{connection}", "TIME-WAIT connections ended early because a new SYN for the same four-tuple arrived (RFC 6191).", () => Interlocked.Read(ref TCPTimeWaitReuse));
        StatisticsInstruments.Counter(meter, "netstack.tcp.time_wait_recycled", "{connection}", "TIME-WAIT connections ended early so an active open could take their four-tuple when every port to that destination was in use (Linux tcp_tw_reuse).", () => Interlocked.Read(ref TWRecycled));
        StatisticsInstruments.Counter(meter, "netstack.tcp.hystart.train_exits", "{event}", "Slow starts CUBIC ended on HyStart's ACK-train signal (Linux TCPHystartTrainDetect).", () => Interlocked.Read(ref TCPHystartTrainDetect));
        StatisticsInstruments.Counter(meter, "netstack.tcp.hystart.train_exit_cwnd", "{segment}", "The congestion windows those ACK-train exits left at, summed (Linux TCPHystartTrainCwnd).", () => Interlocked.Read(ref TCPHystartTrainCwnd));
        StatisticsInstruments.Counter(meter, "netstack.tcp.hystart.delay_exits", "{event}", "Slow starts CUBIC ended on HyStart's delay-increase signal (Linux TCPHystartDelayDetect).", () => Interlocked.Read(ref TCPHystartDelayDetect));
        StatisticsInstruments.Counter(meter, "netstack.tcp.hystart.delay_exit_cwnd", "{segment}", "The congestion windows those delay exits left at, summed (Linux TCPHystartDelayCwnd).", () => Interlocked.Read(ref TCPHystartDelayCwnd));
        StatisticsInstruments.Counter(meter, "netstack.tcp.ecn.delivered_ce", "{segment}", "Segments acknowledged by ACKs carrying ECN-Echo (RFC 3168 §6.1.2): data the peer saw marked with congestion.", () => Interlocked.Read(ref TCPDeliveredCE));
        StatisticsInstruments.Counter(meter, "netstack.tcp.ecn.reductions", "{reduction}", "Congestion window reductions in answer to ECN-Echo, at most one per window of data (RFC 3168 §6.1.2). Linux has no counterpart; named in the TcpExt style.", () => Interlocked.Read(ref TCPECNReductions));
        StatisticsInstruments.UpDown(meter, "netstack.tcp.receive_memory", "By", "Bytes of packet buffers the receive and out-of-order queues of all connections hold now, counted by block size (truesize), not payload (a gauge, not a count of events).", () => Interlocked.Read(ref ReceiveMemory));
        StatisticsInstruments.Counter(meter, "netstack.tcp.prune.called", "{event}", "Times a connection's receive memory went over its limit or the stack's, and the queues were pruned.", () => Interlocked.Read(ref PruneCalled));
        StatisticsInstruments.Counter(meter, "netstack.tcp.prune.out_of_order", "{event}", "Prunes that dropped out-of-order data, from the highest sequence down, to make room.", () => Interlocked.Read(ref OfoPruned));
        StatisticsInstruments.Counter(meter, "netstack.tcp.prune.receive", "{segment}", "Segments dropped because pruning the out-of-order queue did not free enough receive memory.", () => Interlocked.Read(ref RcvPruned));
        StatisticsInstruments.Counter(meter, "netstack.tcp.receive.collapsed", "{segment}", "Segments whose payload was copied out of an oversized packet buffer into right-sized pooled storage, so a small segment does not pin a large block.", () => Interlocked.Read(ref TCPRcvCollapsed));
        StatisticsInstruments.Counter(meter, "netstack.tcp.receive.coalesced", "{segment}", "In-order segments appended to the tail of the receive queue instead of queued as buffers of their own.", () => Interlocked.Read(ref TCPRcvCoalesce));
        StatisticsInstruments.Counter(meter, "netstack.tcp.out_of_order.merged", "{segment}", "Out-of-order segments appended to the held segment they continue instead of held as buffers of their own.", () => Interlocked.Read(ref TCPOFOMerge));
    }
}
