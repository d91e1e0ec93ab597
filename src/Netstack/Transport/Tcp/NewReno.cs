namespace Netstack.Transport.Tcp;

/// <summary>
/// Reno/NewReno congestion control (RFC 5681 §3 with the RFC 6582 recovery the endpoint drives): slow
/// start and congestion avoidance with Appropriate Byte Counting (RFC 3465: in slow start every acknowledged
/// byte, see <see cref="CongestionWindowMath.SlowStartIncrease"/>; one MSS per cwnd of acknowledged bytes in
/// congestion avoidance), ssthresh = max(FlightSize/2, 2·MSS) on loss
/// (RFC 5681 eq. 4), cwnd = ssthresh during recovery (<see cref="NewRenoLossRecovery"/> adds the
/// RFC 6582 window inflation on top, <see cref="SackLossRecovery"/> lets PRR decide), and cwnd = 1·MSS
/// after a retransmission timeout.
/// </summary>
internal sealed class NewReno : ICongestionControl
{
    private uint _mss = 1460;
    private uint _cwnd;
    private uint _ssthresh = uint.MaxValue;
    private uint _bytesAcked;
    private bool _inTimeoutLoss;
    private uint _priorCwnd;
    private uint _priorSsthresh = uint.MaxValue;

    public string Name => "reno";

    public uint CongestionWindow => _cwnd;

    public uint SlowStartThreshold => _ssthresh;

    public bool InSlowStart => _cwnd < _ssthresh;

    public void Init(uint mss, TimeSpan now)
    {
        ArgumentOutOfRangeException.ThrowIfZero(mss);
        _mss = mss;
        _cwnd = CongestionWindowMath.InitialWindow(mss);
        _ssthresh = uint.MaxValue;
        _bytesAcked = 0;
        _inTimeoutLoss = false;
        _priorCwnd = _cwnd;
        _priorSsthresh = _ssthresh;
    }

    public void OnAck(uint ackedBytes, bool cwndLimited, TimeSpan now, TimeSpan minRtt)
    {
        _inTimeoutLoss = false;
        if (ackedBytes == 0 || !cwndLimited)
        {
            return;
        }
        if (InSlowStart)
        {
            // RFC 3465 byte counting, not past ssthresh; the rest counts towards congestion avoidance.
            ulong increase = CongestionWindowMath.SlowStartIncrease(ackedBytes);
            uint grown = (uint)Math.Min(_cwnd + increase, Math.Min(_ssthresh, CongestionWindowMath.MaxWindow));
            ackedBytes -= Math.Min(ackedBytes, grown - _cwnd);
            _cwnd = grown;
            if (ackedBytes == 0 || InSlowStart)
            {
                return;
            }
        }
        // RFC 3465 §2.1: one SMSS per cwnd worth of acknowledged bytes.
        _bytesAcked += ackedBytes;
        if (_bytesAcked >= _cwnd)
        {
            _bytesAcked -= _cwnd;
            _cwnd = Math.Min(_cwnd + _mss, CongestionWindowMath.MaxWindow);
        }
    }

    public void OnEnterRecovery(uint bytesInFlight, TimeSpan now)
    {
        SaveForUndo();
        _ssthresh = HalfFlight(bytesInFlight);
        _cwnd = _ssthresh;
        _bytesAcked = 0;
    }

    public void OnExitRecovery(TimeSpan now)
    {
        // RFC 6582 §3.2 step 3 (full acknowledgment): deflate the window to ssthresh.
        if (_ssthresh != uint.MaxValue)
        {
            _cwnd = _ssthresh;
        }
        _bytesAcked = 0;
    }

    public void OnRetransmitTimeout(uint bytesInFlight, TimeSpan now)
    {
        if (!_inTimeoutLoss)
        {
            SaveForUndo();
            _ssthresh = HalfFlight(bytesInFlight);
            _inTimeoutLoss = true;
        }
        _cwnd = _mss; // RFC 5681 §3.1: the loss window LW = 1 full-sized segment
        _bytesAcked = 0;
    }

    public void RestartAfterIdle(TimeSpan idle, TimeSpan rto) =>
        (_cwnd, _ssthresh) = CongestionWindowMath.RestartAfterIdle(_cwnd, _ssthresh, _mss, idle, rto);

    public void OnSpuriousRecovery()
    {
        _cwnd = Math.Max(_cwnd, _priorCwnd);
        _ssthresh = Math.Max(_ssthresh, _priorSsthresh);
        _inTimeoutLoss = false;
    }

    private uint HalfFlight(uint bytesInFlight) => Math.Max(bytesInFlight / 2, 2 * _mss);

    private void SaveForUndo()
    {
        _priorCwnd = _cwnd;
        _priorSsthresh = _ssthresh;
    }
}
