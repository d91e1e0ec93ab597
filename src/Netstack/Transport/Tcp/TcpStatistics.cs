using System.Diagnostics.Metrics;

namespace Netstack.Transport.Tcp;

/// <summary>
/// TCP counters named as Linux's <c>netstat -s</c> / <c>/proc/net/snmp</c> and <c>netstat</c>
/// (Tcp: and TcpExt:) so operators recognise them. Incremented with <see cref="Interlocked"/>.
/// </summary>
public sealed class TcpStatistics
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

    /// <summary>
    /// Sent ranges RACK (RFC 8985 §6.2) declared lost by time. Linux has no exact counterpart (its
    /// TCPLostRetransmit counts only retransmissions RACK found lost); named in the same TcpExt style.
    /// </summary>
    public long TCPRackLoss;
    /// <summary>Retransmissions RACK found lost again and resent before the RTO (RFC 8985 §6.2).</summary>
    public long TCPLostRetransmit;

    /// <summary>Window reductions undone because D-SACKs showed every retransmission needless (RFC 2883 §4, RFC 3708).</summary>
    public long TCPDSACKUndo;

    /// <summary>Window reductions undone because the ACK echoed a timestamp older than the retransmission (Eifel, RFC 3522).</summary>
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

    internal static void Increment(ref long counter) => Interlocked.Increment(ref counter);

    /// <summary>Exposes every counter as an <see cref="ObservableCounter{T}"/> named <c>{prefix}.{Name}</c>.</summary>
    public void Register(Meter meter, string prefix = "netstack.tcp")
    {
        ArgumentNullException.ThrowIfNull(meter);
        foreach (System.Reflection.FieldInfo field in typeof(TcpStatistics).GetFields())
        {
            if (field.FieldType != typeof(long))
            {
                continue;
            }
            System.Reflection.FieldInfo f = field;
            if (f.Name == nameof(CurrEstab))
            {
                meter.CreateObservableGauge($"{prefix}.{f.Name}", () => Interlocked.Read(ref CurrEstab));
                continue;
            }
            meter.CreateObservableCounter($"{prefix}.{f.Name}", () => (long)f.GetValue(this)!);
        }
    }
}
