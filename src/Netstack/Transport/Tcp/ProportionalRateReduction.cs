namespace Netstack.Transport.Tcp;

/// <summary>
/// Proportional Rate Reduction for loss recovery (RFC 6937), the rule Linux uses to decide how much may
/// be sent per ACK during fast recovery: while the pipe (RFC 6675) is above ssthresh, the sender
/// transmits in proportion ssthresh/RecoverFS to the data the receiver reports delivered, so the window
/// shrinks smoothly to ssthresh instead of stalling for half an RTT; once pipe falls below ssthresh
/// (heavy losses) the Slow Start Reduction Bound (default) or the Conservative Reduction Bound lets it
/// climb back no faster than slow start. As in Linux, the first ACK of an episode always allows one MSS
/// (the fast retransmit). <see cref="SackLossRecovery"/> calls <see cref="Start"/> on entering recovery,
/// <see cref="OnAck"/> on every ACK in recovery (the result is <c>sndcnt</c>, the bytes it may send now;
/// cwnd = pipe + sndcnt) and <see cref="OnSent"/> for every transmission during recovery. All in bytes.
/// </summary>
internal sealed class ProportionalRateReduction
{
    private ulong _delivered;
    private ulong _out;
    private uint _ssthresh;
    private uint _recoverFs;

    /// <summary>Use the Conservative Reduction Bound (PRR-CRB) instead of the Slow Start Reduction Bound (PRR-SSRB, RFC 6937 §3's recommendation).</summary>
    public bool Conservative { get; set; }

    /// <summary>prr_delivered: bytes the receiver reported delivered since recovery began.</summary>
    public ulong Delivered => _delivered;

    /// <summary>prr_out: bytes sent since recovery began.</summary>
    public ulong Sent => _out;

    /// <summary>RecoverFS: the flight size (SND.NXT − SND.UNA) when recovery began.</summary>
    public uint RecoverFs => _recoverFs;

    /// <summary>Begins a recovery episode with the congestion controller's new <paramref name="ssthresh"/> and the flight size at that moment.</summary>
    public void Start(uint ssthresh, uint recoverFs)
    {
        _ssthresh = ssthresh;
        _recoverFs = Math.Max(recoverFs, 1u);
        _delivered = 0;
        _out = 0;
    }

    /// <summary>
    /// Processes an ACK during recovery: <paramref name="deliveredData"/> is the advance of SND.UNA plus the
    /// change in SACKed bytes, <paramref name="pipe"/> the RFC 6675 pipe after the ACK. Returns sndcnt. Below
    /// ssthresh the bound is MAX(prr_delivered − prr_out, DeliveredData), plus one MSS (the slow-start bound) only
    /// when <paramref name="safeAck"/>: the ACK advanced SND.UNA and revealed no new loss (RFC 6937bis §5, as Linux);
    /// after an ACK that reveals losses the sender stays packet-conserving.
    /// </summary>
    public uint OnAck(uint deliveredData, uint pipe, uint mss, bool safeAck = true)
    {
        _delivered += deliveredData;
        long sndcnt;
        if (pipe > _ssthresh)
        {
            // sndcnt = CEIL(prr_delivered · ssthresh / RecoverFS) − prr_out
            ulong target = ((_delivered * _ssthresh) + _recoverFs - 1) / _recoverFs;
            sndcnt = (long)target - (long)_out;
        }
        else
        {
            long limit = (long)_delivered - (long)_out;
            if (!Conservative)
            {
                limit = Math.Max(limit, deliveredData) + (safeAck ? mss : 0);
            }
            sndcnt = Math.Min((long)_ssthresh - pipe, limit);
        }
        if (_out == 0)
        {
            // Linux tcp_cwnd_reduction: the ACK that starts recovery always allows the fast retransmit.
            sndcnt = Math.Max(sndcnt, mss);
        }
        return (uint)Math.Clamp(sndcnt, 0, uint.MaxValue);
    }

    /// <summary>Counts bytes sent (new data or retransmissions) during recovery into prr_out.</summary>
    public void OnSent(uint bytes) => _out += bytes;
}
