namespace Netstack.Transport.Tcp;

/// <summary>
/// How the sender uses its windows, measured after each transmission (Linux's tail of <c>tcp_write_xmit</c>): whether the
/// flight filled cwnd (<see cref="CwndUsage"/>, which decides whether ACKs may grow cwnd), and how long the connection was
/// busy, held back by the peer's receive window or by a full send buffer (<see cref="SendChrono"/>, TCP_INFO's
/// tcpi_busy_time, tcpi_rwnd_limited and tcpi_sndbuf_limited).
/// </summary>
public sealed partial class TcpEndpoint
{
    private CwndUsage _cwndUsage;
    private SendChrono _chrono;
    private bool _sendBufferFull;   // a write found no room and nothing freed enough since (Linux SOCK_NOSPACE)
    private bool _sentData;         // a data segment has gone out
    private bool _dataSentUnstamped; // one went out since _lastDataSent was read from the clock (once per Output, not per segment)
    private TimeSpan _lastDataSent; // when the last data segment went out (Linux tp->lsndtime)

    /// <summary>Whether an ACK now may grow cwnd (RFC 7661 §4.3; <see cref="CwndUsage.IsCwndLimited"/>).</summary>
    private bool IsCwndLimited => _cwndUsage.IsCwndLimited(_congestion.CongestionWindow);

    /// <summary>A segment with <paramref name="length"/> payload bytes went out; <see cref="LastDataSent"/> reads the clock for it later.</summary>
    private void NoteDataSent(int length)
    {
        if (length > 0)
        {
            _sentData = true;
            _dataSentUnstamped = true;
        }
    }

    /// <summary>When the last data segment went out (all segments of one entry point leave at the same clock reading).</summary>
    private TimeSpan LastDataSent
    {
        get
        {
            if (_dataSentUnstamped)
            {
                _dataSentUnstamped = false;
                _lastDataSent = _host.Now;
            }
            return _lastDataSent;
        }
    }

    /// <summary>
    /// After Output sent what it could: <paramref name="hadUnsent"/> says whether data waited before, <paramref name="sndMaxBefore"/>
    /// is SND.MAX before. Records the flight against cwnd (Linux <c>tcp_cwnd_validate</c>) and runs the chronographs.
    /// </summary>
    private void AfterTransmit(bool hadUnsent, SeqNumber sndMaxBefore)
    {
        _ = LastDataSent; // stamp what this Output sent
        if (!hadUnsent)
        {
            return;
        }
        if (_chrono.Current < SendLimit.Busy)
        {
            _chrono.Start(SendLimit.Busy, _host.Now);
        }
        uint flight = BytesInFlight;
        uint cwnd = _congestion.CongestionWindow;
        int mss = Math.Max(CurrentMss, 1);
        bool cwndFull = (ulong)flight + (uint)mss > cwnd; // not one more full segment fits
        long unsent = _sender.Unsent(_sender.Source.Length, out _);
        if (unsent > 0 && !cwndFull && _sender.SndWnd - (long)flight < Math.Min(unsent, mss))
        {
            if (_chrono.Current < SendLimit.ReceiveWindow)
            {
                _chrono.Start(SendLimit.ReceiveWindow, _host.Now); // cwnd has room, the peer's window has none (Linux tcp_snd_wnd_test)
            }
        }
        else if (_chrono.Current == SendLimit.ReceiveWindow)
        {
            _chrono.Stop(SendLimit.ReceiveWindow, _host.Now, idle: false);
        }
        if (_sender.SndMax == sndMaxBefore && !(cwndFull && unsent > 0))
        {
            return; // nothing new went out and cwnd did not hold anything back
        }
        _cwndUsage.OnTransmit(_sender.SndUna, _sender.SndMax, flight, cwndFull);
        if (!IsCwndLimited && unsent <= 0 && _sendBufferFull && _state is TcpConnectionState.Established or TcpConnectionState.CloseWait)
        {
            // Everything written is out, cwnd has room, and the writer waits for buffer space: the buffer is the limit.
            _chrono.Start(SendLimit.SendBuffer, _host.Now);
        }
    }

    /// <summary>An ACK freed send-buffer space: the waiting writer has room again once a third of the buffer is free of what is queued (Linux <c>sk_stream_is_writeable</c>).</summary>
    private void SendBufferFreed()
    {
        long queued = _sender.Source.Length;
        if (_sendBufferFull && _options.SendBufferSize - queued >= queued / 2)
        {
            _sendBufferFull = false;
            _chrono.Stop(SendLimit.SendBuffer, _host.Now, idle: queued == 0);
        }
        if (_sender.SndUna == _sender.SndMax && _chrono.Current != SendLimit.None)
        {
            _chrono.Stop(SendLimit.Busy, _host.Now, idle: queued == 0);
        }
    }

    /// <summary>The application asked to write <paramref name="requested"/> bytes and <paramref name="written"/> fit.</summary>
    private void NoteWrite(int requested, int written)
    {
        if (written < requested)
        {
            _sendBufferFull = true;
        }
        if (written > 0)
        {
            RestartWindowIfIdle();
        }
    }
}
