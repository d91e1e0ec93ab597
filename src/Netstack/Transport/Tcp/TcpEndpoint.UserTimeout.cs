using System.Net.Sockets;

namespace Netstack.Transport.Tcp;

// TCP_USER_TIMEOUT (RFC 5482; TcpEndpointOptions.UserTimeout), as Linux applies it: while retransmission timeouts
// repeat, the connection ends once the data has gone unacknowledged that long since it was last sent before the first
// timeout (Linux retrans_stamp), instead of after MaxRetransmits; and while the peer's window stays closed, once the zero-
// window probes have gone on that long (icsk_probes_tstamp), even though the peer answers them; and, with keepalive, once
// a probe is out and nothing has arrived for that long (KeepaliveTimerExpired). The timers are clamped so
// the end comes on time, not at the next backed-off expiry (tcp_clamp_rto_to_user_timeout, tcp_clamp_probe0_to_user_timeout).
public sealed partial class TcpEndpoint
{
    private TimeSpan _retransmitStamp = Never;   // when the data first retransmitted by the timeout was last sent before it
    private TimeSpan _zeroWindowSince = Never;   // the first zero-window probe of the current closed-window period

    private bool HasUserTimeout => _options.UserTimeout > TimeSpan.Zero;

    /// <summary>Whether the user timeout has run out since <paramref name="since"/> (never when it is off or not started).</summary>
    private bool UserTimeoutExpired(TimeSpan since) => HasUserTimeout && since != Never && _host.Now - since >= _options.UserTimeout;

    /// <summary><paramref name="delay"/>, shortened so a timer armed now fires no later than the user timeout since <paramref name="since"/>.</summary>
    private TimeSpan ClampToUserTimeout(TimeSpan delay, TimeSpan since)
    {
        if (!HasUserTimeout || since == Never)
        {
            return delay;
        }
        TimeSpan remaining = since + _options.UserTimeout - _host.Now;
        return remaining < delay ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1)) : delay;
    }

    /// <summary>
    /// At a retransmission timeout of a synchronized connection, before resending: true when the connection must end,
    /// by the user timeout when one is set (RFC 5482 §3), otherwise by the count of retransmissions.
    /// </summary>
    private bool RetransmissionsExhausted()
    {
        if (_retransmits == 0)
        {
            _retransmitStamp = _host.Now - CurrentRto(); // the timer that just fired was armed when the data was sent
        }
        return HasUserTimeout ? _retransmits > 0 && UserTimeoutExpired(_retransmitStamp) : _retransmits >= _options.MaxRetransmits;
    }

    /// <summary>At a zero-window probe: true when the window has stayed closed to our probes for the user timeout.</summary>
    private bool ZeroWindowProbingExhausted()
    {
        if (_zeroWindowSince == Never)
        {
            _zeroWindowSince = _host.Now;
            return false;
        }
        return UserTimeoutExpired(_zeroWindowSince);
    }

    /// <summary>Gives up on an unresponsive peer: reset it and fail with TimedOut (Linux tcp_write_err).</summary>
    private void AbortOnTimeout()
    {
        TcpStatistics.Increment(ref Stats.TCPAbortOnTimeout);
        SendAbortReset();
        Terminate(SocketError.TimedOut, TcpConnectionState.Closed);
    }
}
