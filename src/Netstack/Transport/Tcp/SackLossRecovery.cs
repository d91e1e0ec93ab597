namespace Netstack.Transport.Tcp;

/// <summary>
/// SACK-based loss recovery (RFC 6675 §5) with Proportional Rate Reduction (RFC 6937) deciding how much
/// may be sent per ACK: each ACK of the episode yields sndcnt bytes (<see cref="ProportionalRateReduction"/>),
/// spent on NextSeg() in RFC 6675 §4 order — segments presumed lost (each resent in the unit it was sent in, a lost
/// super-segment as one, as Linux resends the skb), new data, then the rescue retransmission. Budgets are spent in
/// whole segments: a positive remainder sends one more segment, which is how the RFC's segment-counting CEIL() rounds
/// (RFC 6937 §3.1 example).
/// </summary>
internal sealed class SackLossRecovery(IRecoveryTransmitter tx, SackScoreboard scoreboard) : ILossRecovery
{
    private readonly ProportionalRateReduction _prr = new();
    private SeqNumber _highRxt;
    private long _budget;

    /// <summary>HighRxt (RFC 6675 §2): one past the highest octet retransmitted in this episode.</summary>
    public SeqNumber HighRxt => _highRxt;

    public void Enter(uint flightSize)
    {
        _prr.Start(tx.Congestion.SlowStartThreshold, flightSize);
        _budget = 0;
        // RFC 6675 §5 step 4.3: retransmit the first segment presumed dropped. PRR counts it in prr_out, but only
        // after the sndcnt of the ACK (or timer) that started recovery, which it is part of (Linux computes
        // sndcnt, then sends the fast retransmit within it).
        int sent = tx.Retransmit(tx.SndUna, (int)tx.SegmentSize);
        _highRxt = tx.SndUna + (uint)sent;
        _fastRetransmit = (uint)sent;
    }

    private uint _fastRetransmit; // the fast retransmit's bytes, not yet counted against a sndcnt

    public void OnAck(long deliveredData, uint cumulativelyAcked, bool duplicate, bool starting)
    {
        if (_highRxt < tx.SndUna)
        {
            _highRxt = tx.SndUna;
        }
        uint mss = tx.SegmentSize;
        uint pipe = scoreboard.Pipe(tx.SndUna, tx.SndMax, _highRxt, mss);
        // RFC 6937 §3: DeliveredData may be negative (a SACK block forgotten); prr_delivered never shrinks.
        // RFC 6937bis §5 (and Linux tcp_cwnd_reduction): the slow-start bound's extra MSS only on a "safe" ACK, one
        // that advanced SND.UNA without revealing new losses; otherwise the conservative bound.
        bool safeAck = cumulativelyAcked > 0 && !tx.NewLossOnThisAck;
        _budget = _prr.OnAck((uint)Math.Max(deliveredData, 0), pipe, mss, safeAck);
        if (_fastRetransmit > 0)
        {
            _prr.OnSent(_fastRetransmit);
            _budget -= _fastRetransmit;
            _fastRetransmit = 0;
        }
    }

    public void Send()
    {
        uint mss = tx.SegmentSize;
        SeqNumber una = tx.SndUna;
        if (_highRxt < una)
        {
            _highRxt = una;
        }
        while (_budget > 0)
        {
            int sent;
            if (scoreboard.TryNextLostRun(una, tx.SndMax, _highRxt, mss, out SeqNumber seq, out uint length))
            {
                sent = tx.RetransmitLost(seq, (int)Math.Min(length, int.MaxValue), WholeSegments(_budget, mss));
                _highRxt = seq + (uint)sent;
            }
            else if ((sent = tx.SendNewData(long.MaxValue, 1, WholeSegments(_budget, mss))) > 0)
            {
            }
            else if (scoreboard.TryNextSegment(una, tx.SndMax, _highRxt, mss, out seq, out length))
            {
                sent = tx.Retransmit(seq, (int)length);
                _highRxt = seq + (uint)sent;
            }
            if (sent <= 0)
            {
                return;
            }
            _budget -= sent;
            _prr.OnSent((uint)sent);
        }
    }

    /// <summary>The budget in whole segments, rounded up (the class's rounding), as one burst of new data.</summary>
    private static int WholeSegments(long budget, uint mss) => (int)Math.Min((budget + mss - 1) / mss * mss, int.MaxValue);

    public void OnRetransmissionLost(SeqNumber start)
    {
        // The octets from start up are offered again by NextSeg() rule 1 (RACK marked them lost).
        if (start < _highRxt)
        {
            _highRxt = SeqNumber.Max(start, tx.SndUna);
        }
    }

    public void Reset()
    {
        _budget = 0;
        _fastRetransmit = 0;
    }
}
