namespace Netstack.Transport.Tcp;

// HyStart's slow-start exits, counted as Linux's TcpExt counters are (tcp_cubic's hystart_update).
public sealed partial class TcpEndpoint
{
    private HyStartDetection _hyStartCounted; // the exit last counted; None again once CUBIC resets HyStart

    /// <summary>
    /// After an RTT sample: counts the HyStart exit it caused, once per slow start, with the congestion window (in
    /// segments) it left at (Linux TCPHystartTrainDetect / TCPHystartTrainCwnd, TCPHystartDelayDetect /
    /// TCPHystartDelayCwnd).
    /// </summary>
    private void CountHyStartExit()
    {
        if (_congestion is not Cubic cubic || cubic.HyStartFoundBy == _hyStartCounted)
        {
            return;
        }
        _hyStartCounted = cubic.HyStartFoundBy;
        long cwnd = _congestion.CongestionWindow / (uint)Math.Max(1, _sender.Mss);
        switch (_hyStartCounted)
        {
            case HyStartDetection.AckTrain:
                TcpStatistics.Increment(ref Stats.TCPHystartTrainDetect);
                Interlocked.Add(ref Stats.TCPHystartTrainCwnd, cwnd);
                break;
            case HyStartDetection.Delay:
                TcpStatistics.Increment(ref Stats.TCPHystartDelayDetect);
                Interlocked.Add(ref Stats.TCPHystartDelayCwnd, cwnd);
                break;
        }
    }
}
