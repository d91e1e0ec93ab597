namespace Netstack.Transport.Tcp;

/// <summary>
/// NewReno fast recovery for peers without SACK (RFC 6582 §3.2, on RFC 5681 §3.2): the window is inflated
/// by one segment for each of the three duplicate ACKs that started the episode and for every further one
/// (each means a segment left the network), new data goes out while the flight fits the inflated window,
/// and a partial ACK retransmits the next unacknowledged segment and deflates the window by the amount
/// acknowledged, adding one segment back (step 5). The inflation lives here, on top of the congestion
/// controller's cwnd (= ssthresh during the episode), so the full ACK's deflation (step 3) is just dropping it.
/// </summary>
internal sealed class NewRenoLossRecovery(IRecoveryTransmitter tx) : ILossRecovery
{
    private long _inflation;

    /// <summary>The window the episode allows: cwnd plus the inflation, at least one segment.</summary>
    public long Window => Math.Max(tx.Congestion.CongestionWindow + _inflation, tx.SegmentSize);

    public void Enter(uint flightSize)
    {
        // RFC 6582 §3.2 step 2 (ssthresh was set by the congestion controller): retransmit, cwnd = ssthresh + 3·SMSS.
        tx.RetransmitFirstUnacknowledged();
        _inflation = SackScoreboard.DupThresh * tx.SegmentSize;
    }

    public void OnAck(long deliveredData, uint cumulativelyAcked, bool duplicate, bool starting)
    {
        if (starting)
        {
            return; // the third duplicate ACK is already counted in the initial inflation
        }
        uint mss = tx.SegmentSize;
        if (duplicate)
        {
            _inflation += mss; // step 4
        }
        else if (cumulativelyAcked > 0)
        {
            // Step 5: a partial ACK. Retransmit the first unacknowledged segment, deflate by the amount
            // acknowledged and add back one SMSS if at least one SMSS was acknowledged.
            tx.RetransmitFirstUnacknowledged();
            _inflation -= cumulativelyAcked;
            if (cumulativelyAcked >= mss)
            {
                _inflation += mss;
            }
        }
    }

    public void Send() => tx.SendNewData(Window, int.MaxValue);

    public void OnRetransmissionLost(SeqNumber start)
    {
        // Without SACK no lost retransmission can be detected before the RTO.
    }

    public void Reset() => _inflation = 0;
}
