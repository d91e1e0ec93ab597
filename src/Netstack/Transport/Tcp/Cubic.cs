namespace Netstack.Transport.Tcp;

/// <summary>
/// CUBIC congestion control (RFC 9438). After a congestion event the window follows
/// W_cubic(t) = C·(t − K)³ + W_max (§4.2, Figure 1) with C = 0.4 and K = ∛((W_max − cwnd_epoch)/C),
/// where t is the time since the current congestion-avoidance stage began: concave below W_max (§4.4),
/// convex above it (§4.5). Each ACK moves cwnd by (target − cwnd)/cwnd towards
/// target = W_cubic(t + RTT) clamped to [cwnd, 1.5·cwnd]. In parallel it tracks the Reno-friendly
/// estimate W_est (§4.3, α = 3(1−β)/(1+β) until W_est reaches cwnd_prior, then 1) and uses it
/// whenever W_cubic(t) &lt; W_est, which is what happens at small RTTs. On loss cwnd = ssthresh = β·cwnd
/// with β = 0.7 (§4.6), and fast convergence (§4.7) lowers W_max to cwnd·(1+β)/2 when a flow's
/// maximum shrinks. After a timeout the next stage uses K = 0 and W_max = cwnd_epoch (§4.8).
/// Slow start is the standard one with RFC 3465 byte counting, every acknowledged byte counted
/// (<see cref="CongestionWindowMath.SlowStartIncrease"/>), and ends early, as Linux's, on HyStart's ACK-train or delay
/// signal (<see cref="Tcp.HyStart"/>; ssthresh = cwnd).
/// Windows are kept in segments as doubles; <see cref="CongestionWindow"/> reports bytes. Time comes
/// only from the <c>now</c> arguments; idle time is excluded from t (§5.8).
/// </summary>
internal sealed class Cubic : ICongestionControl
{
    /// <summary>RFC 9438 §5: C = 0.4 (segments per second cubed).</summary>
    public const double C = 0.4;

    /// <summary>RFC 9438 §5: β_cubic = 0.7.</summary>
    public const double Beta = 0.7;

    private static readonly double RenoFriendlyAlpha = 3 * (1 - Beta) / (1 + Beta);

    private uint _mss = 1460;
    private double _cwnd;
    private double _ssthresh = double.PositiveInfinity;
    private double _wMax;
    private double _cwndPrior;
    private double _wEst;
    private double _cwndEpoch;
    private double _k;
    private TimeSpan _epochStart;
    private bool _epochValid;
    private bool _afterTimeout;
    private bool _inTimeoutLoss;

    // State restored by OnSpuriousRecovery (RFC 9438 §4.9).
    private double _undoCwnd;
    private double _undoSsthresh = double.PositiveInfinity;
    private double _undoWMax;
    private double _undoCwndPrior;

    private readonly HyStart _hyStart = new();

    // Linux bictcp_acked: RTT samples of the first second of a congestion-avoidance stage are left out (right after
    // recovery they still carry the queue the loss built).
    private static readonly TimeSpan EpochSampleHoldOff = TimeSpan.FromSeconds(1);

    /// <summary>A controller whose slow start ends on the given HyStart signals (<see cref="HyStartDetection.Both"/>, as Linux, by default).</summary>
    public Cubic(HyStartDetection hyStart = HyStartDetection.Both) => _hyStart.Detection = hyStart;

    /// <summary>Whether fast convergence (RFC 9438 §4.7) is used; on by default.</summary>
    public bool FastConvergence { get; set; } = true;

    /// <summary>The HyStart signals in use.</summary>
    public HyStartDetection HyStartDetection => _hyStart.Detection;

    /// <summary>The HyStart signal that ended slow start, <see cref="HyStartDetection.None"/> while none did (since the start or the last timeout).</summary>
    public HyStartDetection HyStartFoundBy => _hyStart.FoundBy;

    public string Name => "cubic";

    public uint CongestionWindow => ToBytes(_cwnd);

    public uint SlowStartThreshold => double.IsPositiveInfinity(_ssthresh) ? uint.MaxValue : ToBytes(_ssthresh);

    public bool InSlowStart => _cwnd < _ssthresh;

    /// <summary>W_max in segments (0 before the first congestion event).</summary>
    public double WMax => _wMax;

    /// <summary>K of the current congestion-avoidance stage: the time W_cubic takes to reach W_max.</summary>
    public TimeSpan K => TimeSpan.FromSeconds(_k);

    /// <summary>The Reno-friendly estimate W_est in segments for the current stage.</summary>
    public double RenoEstimate => _wEst;

    /// <summary>cwnd in segments (fractional).</summary>
    public double CongestionWindowSegments => _cwnd;

    /// <summary>W_cubic(t) in segments for the current stage (RFC 9438 eq. 1).</summary>
    public double WindowAt(TimeSpan t)
    {
        double x = t.TotalSeconds - _k;
        return C * x * x * x + _wMax;
    }

    public void Init(uint mss, TimeSpan now)
    {
        ArgumentOutOfRangeException.ThrowIfZero(mss);
        _mss = mss;
        _cwnd = (double)CongestionWindowMath.InitialWindow(mss) / mss;
        _ssthresh = double.PositiveInfinity;
        _wMax = 0;
        _cwndPrior = 0;
        _wEst = _cwnd;
        _k = 0;
        _epochValid = false;
        _afterTimeout = false;
        _inTimeoutLoss = false;
        _hyStart.Reset();
        SaveForUndo();
    }

    public void OnRttSample(in AckRttSample sample, TimeSpan now)
    {
        if (_epochValid && now - _epochStart < EpochSampleHoldOff)
        {
            return;
        }
        uint cwnd = CongestionWindow;
        double rate = PacingRate.BytesPerSecond(cwnd, SlowStartThreshold, sample.BytesInFlight, sample.SmoothedRtt);
        if (_hyStart.OnRttSample(sample.Rtt, sample.SndUna, sample.SndMax, now, cwnd / _mss, InSlowStart, rate))
        {
            _ssthresh = WholeSegments(_cwnd); // Linux: tp->snd_ssthresh = tcp_snd_cwnd(tp)
        }
    }

    public void OnAck(uint ackedBytes, bool cwndLimited, TimeSpan now, TimeSpan minRtt)
    {
        _inTimeoutLoss = false;
        if (ackedBytes == 0 || !cwndLimited)
        {
            return;
        }
        double acked = (double)ackedBytes / _mss;
        if (InSlowStart)
        {
            double grown = Math.Min(_cwnd + (double)CongestionWindowMath.SlowStartIncrease(ackedBytes) / _mss, _ssthresh);
            acked -= grown - _cwnd;
            _cwnd = Math.Min(grown, MaxSegments);
            if (acked <= 0 || InSlowStart)
            {
                return;
            }
        }
        CongestionAvoidance(acked, now, minRtt);
    }

    private void CongestionAvoidance(double acked, TimeSpan now, TimeSpan rtt)
    {
        if (!_epochValid)
        {
            // §4.2: a new congestion-avoidance stage starts now.
            _epochValid = true;
            _epochStart = now;
            _cwndEpoch = _cwnd;
            _wEst = _cwnd;
            if (_afterTimeout || _wMax <= 0)
            {
                // §4.8 (and no congestion event yet): K = 0 and W_max = cwnd at the start of the stage.
                _wMax = _cwnd;
                _afterTimeout = false;
            }
            _k = Math.Cbrt((_wMax - _cwndEpoch) / C);
        }

        TimeSpan t = now - _epochStart;
        if (t < TimeSpan.Zero)
        {
            t = TimeSpan.Zero;
        }

        // §4.3: the Reno-friendly estimate, grown per acknowledged segment.
        double alpha = _wEst >= _cwndPrior ? 1.0 : RenoFriendlyAlpha;
        _wEst += alpha * acked / _cwnd;

        if (WindowAt(t) < _wEst)
        {
            _cwnd = Math.Max(_cwnd, _wEst);
        }
        else
        {
            // §4.4/§4.5: approach W_cubic one RTT ahead, never more than 1.5·cwnd.
            double target = Math.Clamp(WindowAt(t + rtt), _cwnd, 1.5 * _cwnd);
            _cwnd += (target - _cwnd) / _cwnd * acked;
        }
        _cwnd = Math.Min(_cwnd, MaxSegments);
    }

    public void OnEnterRecovery(uint bytesInFlight, TimeSpan now)
    {
        SaveForUndo();
        ReduceOnCongestion();
        _cwnd = _ssthresh;
    }

    public void OnExitRecovery(TimeSpan now)
    {
        if (_cwnd > _ssthresh)
        {
            _cwnd = _ssthresh;
        }
        _epochValid = false;
    }

    public void OnRetransmitTimeout(uint bytesInFlight, TimeSpan now)
    {
        if (!_inTimeoutLoss)
        {
            SaveForUndo();
            ReduceOnCongestion();
            _inTimeoutLoss = true;
        }
        _afterTimeout = true;
        _cwnd = 1;
        _hyStart.Reset(); // Linux cubictcp_state(TCP_CA_Loss): the next slow start learns min_RTT and HyStart anew
    }

    public void OnIdle(TimeSpan idle, TimeSpan now)
    {
        // §5.8: t must not include the time the sender was idle.
        if (_epochValid && idle > TimeSpan.Zero)
        {
            _epochStart += idle;
        }
    }

    public void RestartAfterIdle(TimeSpan idle, TimeSpan rto)
    {
        uint ssthreshBytes = SlowStartThreshold;
        (uint cwnd, uint ssthresh) = CongestionWindowMath.RestartAfterIdle(CongestionWindow, ssthreshBytes, _mss, idle, rto);
        if (cwnd != CongestionWindow)
        {
            _cwnd = (double)cwnd / _mss;
            _epochValid = false;
        }
        if (ssthresh != ssthreshBytes)
        {
            _ssthresh = (double)ssthresh / _mss;
        }
    }

    public void OnSpuriousRecovery()
    {
        _cwnd = Math.Max(_cwnd, _undoCwnd);
        _ssthresh = Math.Max(_ssthresh, _undoSsthresh);
        _wMax = _undoWMax;
        _cwndPrior = _undoCwndPrior;
        _epochValid = false;
        _afterTimeout = false;
        _inTimeoutLoss = false;
    }

    private void ReduceOnCongestion()
    {
        // §4.7 fast convergence, then §4.6 multiplicative decrease. Like Linux, ssthresh derives from cwnd;
        // OnAck's cwnd-limited test is the "other measure" §4.6 requires in that case.
        _wMax = FastConvergence && _cwnd < _wMax ? _cwnd * (1 + Beta) / 2 : _cwnd;
        _cwndPrior = _cwnd;
        _ssthresh = Math.Max(_cwnd * Beta, 2);
        _epochValid = false;
    }

    private void SaveForUndo()
    {
        _undoCwnd = _cwnd;
        _undoSsthresh = _ssthresh;
        _undoWMax = _wMax;
        _undoCwndPrior = _cwndPrior;
    }

    private double MaxSegments => (double)CongestionWindowMath.MaxWindow / _mss;

    // Whole segments, as Linux's integer snd_cwnd with its fractional counter: the fraction grown so far stays in _cwnd, and
    // a cwnd of 7.075 segments does not let a 75-byte piece follow 7 full ones (sender SWS avoidance, RFC 9293 §3.8.6.2.1).
    private uint ToBytes(double segments) => (uint)Math.Min(WholeSegments(segments) * _mss, CongestionWindowMath.MaxWindow);

    private static double WholeSegments(double segments) => Math.Floor(segments + 1e-9);
}
