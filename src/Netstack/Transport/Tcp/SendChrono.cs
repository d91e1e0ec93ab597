namespace Netstack.Transport.Tcp;

/// <summary>What limits the sender while it has data (Linux <c>enum tcp_chrono</c>); a later member takes precedence.</summary>
internal enum SendLimit : byte
{
    /// <summary>Nothing to send and nothing in flight.</summary>
    None,

    /// <summary>Data is queued or in flight.</summary>
    Busy,

    /// <summary>Data waits because the peer's receive window has no room for the next segment.</summary>
    ReceiveWindow,

    /// <summary>Everything written was sent without filling cwnd while the application waits for send-buffer space.</summary>
    SendBuffer,
}

/// <summary>
/// Time spent in each <see cref="SendLimit"/> (Linux's chronographs, <c>tcp_chrono_start</c>/<c>tcp_chrono_stop</c>,
/// reported as tcpi_busy_time, tcpi_rwnd_limited and tcpi_sndbuf_limited). One condition runs at a time: starting one
/// of higher precedence ends the current one; stopping the running one falls back to <see cref="SendLimit.Busy"/>, or to
/// <see cref="SendLimit.None"/> once nothing is queued or in flight. Times come from the stack's clock.
/// </summary>
internal struct SendChrono
{
    private SendLimit _current;
    private TimeSpan _since;
    private TimeSpan _busy;
    private TimeSpan _receiveWindow;
    private TimeSpan _sendBuffer;

    /// <summary>The condition running now.</summary>
    public readonly SendLimit Current => _current;

    /// <summary><paramref name="limit"/> began at <paramref name="now"/>; ignored while one of equal or higher precedence runs.</summary>
    public void Start(SendLimit limit, TimeSpan now)
    {
        if (limit > _current)
        {
            Switch(limit, now);
        }
    }

    /// <summary><paramref name="limit"/> ended: everything ends when <paramref name="idle"/> (nothing queued or in flight), else the sender is just busy if <paramref name="limit"/> was running.</summary>
    public void Stop(SendLimit limit, TimeSpan now, bool idle)
    {
        if (idle)
        {
            Switch(SendLimit.None, now);
        }
        else if (limit == _current)
        {
            Switch(SendLimit.Busy, now);
        }
    }

    /// <summary>The time spent in <paramref name="limit"/> so far, the running period included.</summary>
    public readonly TimeSpan Total(SendLimit limit, TimeSpan now)
    {
        TimeSpan total = limit switch
        {
            SendLimit.Busy => _busy,
            SendLimit.ReceiveWindow => _receiveWindow,
            SendLimit.SendBuffer => _sendBuffer,
            _ => TimeSpan.Zero,
        };
        return limit == _current && limit != SendLimit.None && now > _since ? total + (now - _since) : total;
    }

    private void Switch(SendLimit next, TimeSpan now)
    {
        TimeSpan elapsed = now > _since ? now - _since : TimeSpan.Zero;
        switch (_current)
        {
            case SendLimit.Busy:
                _busy += elapsed;
                break;
            case SendLimit.ReceiveWindow:
                _receiveWindow += elapsed;
                break;
            case SendLimit.SendBuffer:
                _sendBuffer += elapsed;
                break;
        }
        _current = next;
        _since = now;
    }
}
