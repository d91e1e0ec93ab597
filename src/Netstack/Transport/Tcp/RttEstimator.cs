namespace Netstack.Transport.Tcp;

/// <summary>
/// The retransmission timer's estimator of RFC 6298: a smoothed round-trip time (SRTT) and its mean
/// deviation (RTTVAR) with gains alpha = 1/8 and beta = 1/4 (§2.3), RTO = SRTT + max(G, 4·RTTVAR, min) up to
/// the maximum (the minimum, 200 ms as Linux's tcp_rto_min where §2.4 asks 1 s, bounds the variance term as in
/// Linux, so the RTO is at least SRTT + min; a first sample of R gives 3·R), and exponential back-off
/// on expiry (§5.5). The first sample sets SRTT = R and RTTVAR = R/2 (§2.2); until then the RTO is the
/// initial value (1 s, §2.1). A new sample clears the back-off, as Linux does in
/// <c>tcp_ack_update_rtt</c> (the recomputed RTO replaces the backed-off one, §5.7 note). Callers obey
/// Karn's rule (§3): no samples from retransmitted segments unless timestamps disambiguate them (RFC 7323 §4).
/// Arithmetic is in <see cref="TimeSpan"/> ticks (100 ns) with integer shifts; nothing allocates.
/// </summary>
internal sealed class RttEstimator
{
    private const int MaxBackoffShift = 16;

    private readonly long _initialRto;
    private readonly long _minRto;
    private readonly long _maxRto;
    private readonly long _granularity;
    private long _srtt;
    private long _rttvar;
    private long _baseRto;
    private long _latestRtt;
    private int _backoff;

    /// <summary>Creates an estimator; defaults are RFC 6298's initial RTO of 1 s, Linux's 200 ms minimum, a 120 s maximum (Linux <c>TCP_RTO_MAX</c>) and 1 ms clock granularity.</summary>
    public RttEstimator(TimeSpan? initialRto = null, TimeSpan? minRto = null, TimeSpan? maxRto = null, TimeSpan? granularity = null)
    {
        _initialRto = (initialRto ?? TimeSpan.FromSeconds(1)).Ticks;
        _minRto = (minRto ?? TimeSpan.FromMilliseconds(200)).Ticks;
        _maxRto = (maxRto ?? TimeSpan.FromSeconds(120)).Ticks;
        _granularity = (granularity ?? TimeSpan.FromMilliseconds(1)).Ticks;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_initialRto, nameof(initialRto));
        ArgumentOutOfRangeException.ThrowIfNegative(_minRto, nameof(minRto));
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxRto, _minRto, nameof(maxRto));
        ArgumentOutOfRangeException.ThrowIfNegative(_granularity, nameof(granularity));
        _baseRto = _initialRto;
    }

    /// <summary>True once at least one RTT sample has been taken.</summary>
    public bool HasSample { get; private set; }

    /// <summary>SRTT (zero before the first sample).</summary>
    public TimeSpan SmoothedRtt => new(_srtt);

    /// <summary>RTTVAR (zero before the first sample).</summary>
    public TimeSpan RttVariance => new(_rttvar);

    /// <summary>The most recent sample (zero before the first).</summary>
    public TimeSpan LatestRtt => new(_latestRtt);

    /// <summary>The number of consecutive back-offs applied since the last sample or <see cref="ResetBackoff"/>.</summary>
    public int BackoffCount => _backoff;

    /// <summary>The current retransmission timeout including back-off: base RTO · 2^backoff, at most the maximum.</summary>
    public TimeSpan Rto
    {
        get
        {
            long rto = _baseRto;
            for (int i = 0; i < _backoff && rto < _maxRto; i++)
            {
                rto <<= 1;
            }
            return new(Math.Min(rto, _maxRto));
        }
    }

    /// <summary>Feeds one RTT measurement R (RFC 6298 §2.2/§2.3) and clears the back-off.</summary>
    public void AddSample(TimeSpan rtt)
    {
        long r = Math.Max(rtt.Ticks, 0);
        if (!HasSample)
        {
            _srtt = r;
            _rttvar = r / 2;
            HasSample = true;
        }
        else
        {
            // RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|, then SRTT <- (1 - alpha) * SRTT + alpha * R' (the order matters, §2.3).
            long err = Math.Abs(_srtt - r);
            _rttvar += (err - _rttvar) >> 2;
            _srtt += (r - _srtt) >> 3;
        }
        _latestRtt = r;
        // §2.3 RTO = SRTT + max(G, K·RTTVAR) with the minimum on the variance term, as Linux (tcp_set_rto: rttvar is at least
        // tcp_rto_min): the RTO stays at least the minimum above SRTT, so a delayed ACK (up to 200 ms in Linux and here) on a
        // path of steady RTT is not taken for a loss. It is never below the §2.4 floor applied to the total, only above it.
        _baseRto = Math.Min(_srtt + Math.Max(Math.Max(_granularity, 4 * _rttvar), _minRto), _maxRto);
        _backoff = 0;
    }

    /// <summary>Doubles the RTO after the retransmission timer expired (RFC 6298 §5.5), capped at the maximum.</summary>
    public void Backoff()
    {
        if (_backoff < MaxBackoffShift && Rto.Ticks < _maxRto)
        {
            _backoff++;
        }
    }

    /// <summary>Forgets the back-off (for example when an ACK for new data arrives without a usable sample).</summary>
    public void ResetBackoff() => _backoff = 0;

    /// <summary>
    /// Forgets all samples and returns to the initial RTO (RFC 6298 §5 note: after repeated back-offs an
    /// implementation MAY clear SRTT and RTTVAR; also used for a new path).
    /// </summary>
    public void Reset()
    {
        HasSample = false;
        _srtt = _rttvar = _latestRtt = 0;
        _baseRto = _initialRto;
        _backoff = 0;
    }
}
