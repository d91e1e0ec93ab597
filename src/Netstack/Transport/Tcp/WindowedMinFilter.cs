namespace Netstack.Transport.Tcp;

/// <summary>
/// A windowed minimum over time (Kathleen Nichols' algorithm as in Linux <c>lib/win_minmax.c</c>), used
/// for the minimum RTT that RFC 8985 (RACK min_RTT) and RFC 9438 (CUBIC's RTT) want to follow path
/// changes: it keeps the best, second-best and third-best samples of the last window so that when the
/// minimum ages out a recent replacement is at hand, in constant space and time per sample. The result
/// is the smallest sample seen within roughly the last <see cref="Window"/> of time.
/// </summary>
internal sealed class WindowedMinFilter
{
    private Sample _s0;
    private Sample _s1;
    private Sample _s2;

    /// <summary>Creates a filter that forgets samples older than <paramref name="window"/> (Linux uses 5 minutes for min RTT, <c>tcp_min_rtt_wlen</c>).</summary>
    public WindowedMinFilter(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Window = window;
    }

    /// <summary>The length of the window.</summary>
    public TimeSpan Window { get; }

    /// <summary>True once a sample has been recorded.</summary>
    public bool HasValue { get; private set; }

    /// <summary>The windowed minimum (<see cref="TimeSpan.Zero"/> before the first sample).</summary>
    public TimeSpan Value => _s0.Value;

    /// <summary>Records <paramref name="value"/> measured at <paramref name="now"/> and returns the windowed minimum.</summary>
    public TimeSpan Update(TimeSpan now, TimeSpan value)
    {
        var sample = new Sample(now, value);
        if (!HasValue || value <= _s0.Value || now - _s2.Time > Window)
        {
            return Reset(now, value);
        }
        if (value <= _s1.Value)
        {
            _s2 = _s1 = sample;
        }
        else if (value <= _s2.Value)
        {
            _s2 = sample;
        }

        // Age the best samples out as the window slides (minmax_subwin_update).
        TimeSpan dt = now - _s0.Time;
        if (dt > Window)
        {
            _s0 = _s1;
            _s1 = _s2;
            _s2 = sample;
            if (now - _s0.Time > Window)
            {
                _s0 = _s1;
                _s1 = _s2;
                _s2 = sample;
            }
        }
        else if (_s1.Time == _s0.Time && dt > Window / 4)
        {
            // A quarter of the window passed with no second choice: take one from the second quarter.
            _s2 = _s1 = sample;
        }
        else if (_s2.Time == _s1.Time && dt > Window / 2)
        {
            _s2 = sample;
        }
        return _s0.Value;
    }

    /// <summary>Forgets all samples and starts again from one.</summary>
    public TimeSpan Reset(TimeSpan now, TimeSpan value)
    {
        _s0 = _s1 = _s2 = new Sample(now, value);
        HasValue = true;
        return value;
    }

    private readonly record struct Sample(TimeSpan Time, TimeSpan Value);
}
