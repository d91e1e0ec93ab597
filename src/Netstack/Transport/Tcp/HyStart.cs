namespace Netstack.Transport.Tcp;

/// <summary>
/// Classic HyStart (Ha and Rhee, "Taming the elephants", 2011) as Linux's CUBIC runs it (<c>tcp_cubic.c</c>,
/// <c>hystart_update</c>): it ends slow start (ssthresh = cwnd) before the first loss once cwnd has reached 16
/// segments and, within one round, one of the signals of <see cref="Detection"/> fired. A round starts with the first
/// RTT sample whose ACK passed the previous round's end and lasts until SND.MAX of that moment is acknowledged.
/// <list type="bullet">
/// <item>ACK train: the round's ACKs, each within 2 ms of the one before, have kept coming for longer than half of
/// min_RTT plus an ACK-delay cushion. A train that long means the flight already spans half the path's delay, so the
/// doubled flight of the next round would fill it. The cushion is the time four 64 KiB super-segments take at the
/// pacing rate, at most 1 ms (<c>hystart_ack_delay</c>): on short paths TSO bursts and the peer's GRO stretch ACKs
/// bunch the ACKs into trains that say nothing about the path, and an in-process or loopback path with a min_RTT of
/// microseconds would otherwise leave slow start at the first round of 16 segments. A gap of more than 2 ms ends the
/// train for the rest of the round.</item>
/// <item>Delay: once a round has more than 8 samples, the least of them is above
/// min_RTT + clamp(min_RTT/8, 4 ms, 16 ms): a queue is building.</item>
/// </list>
/// As in Linux, HyStart acts once: after it fired it stays quiet until <see cref="Reset"/> (connection start and
/// retransmission timeouts), and min_RTT is the least sample since then (Linux's <c>delay_min</c>, not the windowed
/// minimum). RFC 9406 (HyStart++) is the standardized relative, with a conservative slow start after the delay signal
/// and no ACK trains; this follows Linux, whose behaviour the packetdrill scripts encode. All times come from arguments.
/// </summary>
internal sealed class HyStart
{
    /// <summary>Linux <c>hystart_low_window</c>: HyStart acts only from this cwnd (in segments) on.</summary>
    public const int LowWindow = 16;

    /// <summary>Linux <c>HYSTART_MIN_SAMPLES</c>: the delay signal needs more samples than this in a round.</summary>
    public const int MinSamples = 8;

    /// <summary>The GSO size Linux's cushion assumes (<c>sk_gso_max_size</c> on a device without BIG TCP, software GSO included).</summary>
    public const int GsoMaxSize = 65536;

    /// <summary>Linux <c>hystart_ack_delta_us</c>: the largest gap between two ACKs of one train.</summary>
    public static readonly TimeSpan AckDelta = TimeSpan.FromMilliseconds(2);

    /// <summary>Linux <c>HYSTART_DELAY_MIN</c> and <c>HYSTART_DELAY_MAX</c>: the bounds of the delay signal's margin.</summary>
    public static readonly TimeSpan MinDelayMargin = TimeSpan.FromMilliseconds(4);

    /// <inheritdoc cref="MinDelayMargin"/>
    public static readonly TimeSpan MaxDelayMargin = TimeSpan.FromMilliseconds(16);

    /// <summary>The ACK-delay cushion's ceiling (Linux <c>hystart_ack_delay</c>: 1 ms).</summary>
    public static readonly TimeSpan MaxAckDelay = TimeSpan.FromMilliseconds(1);

    private static readonly TimeSpan SmallestSample = TimeSpan.FromTicks(TimeSpan.TicksPerMicrosecond);

    private bool _inRound;
    private SeqNumber _roundEnd;
    private TimeSpan _roundStart;
    private TimeSpan _lastAck;
    private TimeSpan _roundMinRtt;
    private int _samples;

    /// <summary>The signals in use (Linux <c>hystart_detect</c>); <see cref="HyStartDetection.Both"/> by default.</summary>
    public HyStartDetection Detection { get; set; } = HyStartDetection.Both;

    /// <summary>The signal that ended slow start since the last <see cref="Reset"/>, or <see cref="HyStartDetection.None"/>.</summary>
    public HyStartDetection FoundBy { get; private set; }

    /// <summary>The least RTT sample since the last <see cref="Reset"/> (zero before the first).</summary>
    public TimeSpan DelayMin { get; private set; }

    /// <summary>Forgets everything: rounds, min_RTT, and whether HyStart fired (Linux <c>bictcp_reset</c> with <c>bictcp_hystart_reset</c>).</summary>
    public void Reset()
    {
        _inRound = false;
        FoundBy = HyStartDetection.None;
        DelayMin = TimeSpan.Zero;
    }

    /// <summary>
    /// An RTT sample at <paramref name="now"/> from an ACK that moved SND.UNA to <paramref name="sndUna"/>;
    /// <paramref name="cwndSegments"/> is cwnd in whole segments and <paramref name="pacingRate"/> the
    /// <see cref="PacingRate"/> in bytes per second. True when slow start must end now (the caller sets ssthresh = cwnd).
    /// </summary>
    public bool OnRttSample(TimeSpan rtt, SeqNumber sndUna, SeqNumber sndMax, TimeSpan now, uint cwndSegments, bool inSlowStart, double pacingRate)
    {
        if (rtt < SmallestSample)
        {
            rtt = SmallestSample;
        }
        if (DelayMin == TimeSpan.Zero || rtt < DelayMin)
        {
            DelayMin = rtt;
        }
        if (FoundBy != HyStartDetection.None || !inSlowStart)
        {
            return false;
        }
        if (!_inRound || sndUna > _roundEnd)
        {
            StartRound(now, sndMax);
        }
        if (cwndSegments < LowWindow)
        {
            return false;
        }
        if ((Detection & HyStartDetection.AckTrain) != 0 && AckTrainTooLong(now, pacingRate))
        {
            FoundBy = HyStartDetection.AckTrain;
            return true;
        }
        if ((Detection & HyStartDetection.Delay) != 0 && DelayIncreased(rtt))
        {
            FoundBy = HyStartDetection.Delay;
            return true;
        }
        return false;
    }

    /// <summary>The cushion for TSO and GRO bunching: four GSO-sized bursts at the pacing rate, at most 1 ms; 0 without a rate.</summary>
    public static TimeSpan AckDelay(double pacingRate) =>
        pacingRate <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxAckDelay.TotalSeconds, 4.0 * GsoMaxSize / pacingRate));

    private void StartRound(TimeSpan now, SeqNumber sndMax)
    {
        _inRound = true;
        _roundEnd = sndMax;
        _roundStart = _lastAck = now;
        _roundMinRtt = TimeSpan.MaxValue;
        _samples = 0;
    }

    private bool AckTrainTooLong(TimeSpan now, double pacingRate)
    {
        if (now - _lastAck > AckDelta)
        {
            return false; // the train broke; later ACKs of this round are measured against the last ACK in it
        }
        _lastAck = now;
        // Halved because the stack does not pace: unpaced, the train spans one-way delay, half of min_RTT (Linux
        // halves it for SK_PACING_NONE; pacing would spread slow start's bursts over up to half an RTT).
        TimeSpan threshold = (DelayMin + AckDelay(pacingRate)) / 2;
        return now - _roundStart > threshold;
    }

    private bool DelayIncreased(TimeSpan rtt)
    {
        if (rtt < _roundMinRtt)
        {
            _roundMinRtt = rtt;
        }
        if (_samples < MinSamples)
        {
            _samples++;
            return false;
        }
        TimeSpan margin = TimeSpan.FromTicks(Math.Clamp(DelayMin.Ticks / 8, MinDelayMargin.Ticks, MaxDelayMargin.Ticks));
        return _roundMinRtt > DelayMin + margin;
    }
}
