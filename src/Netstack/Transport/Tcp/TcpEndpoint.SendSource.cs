using System.Net.Sockets;

namespace Netstack.Transport.Tcp;

/// <summary>Attaching a send source other than the application's buffer, and telling the endpoint it has news.</summary>
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// From now on segments copy their payload from <paramref name="source"/> instead of the send buffer, and
    /// application writes fail (OperationNotSupported). Allowed only once, before any byte was written or a FIN
    /// queued, on a connection that is not over; returns false otherwise (nothing changed).
    /// </summary>
    internal bool TryAttachSendSource(ITcpSendSource source)
    {
        lock (_lock)
        {
            return _state is not (TcpConnectionState.Closed or TcpConnectionState.Listen or TcpConnectionState.TimeWait) && _sender.TryAttach(source);
        }
    }

    private int _sendSourcePollPending;

    /// <summary>
    /// The attached source may have more bytes or its end: refresh it, queue our FIN after its last byte when the
    /// stream ended (RFC 9293 §3.10.4, as an application's Shutdown would), and send what the windows allow.
    /// </summary>
    /// <remarks>
    /// Called from the thread that watches the source (one for many connections). It never waits for the lock: when
    /// another thread holds it (the dispatcher handling an ACK, usually), the poll is left to that thread, which
    /// looks at the flag after it let go (<see cref="Deliver"/>), and this returns false. Waiting instead would spin
    /// the watcher against the dispatcher on every arrival. The flag is raised before trying, and the holder reads
    /// it after releasing, so one of the two always polls.
    /// </remarks>
    /// <returns>False when the poll was left to another thread that held the lock; the caller may retry later.</returns>
    internal bool PollSendSource()
    {
        Interlocked.Exchange(ref _sendSourcePollPending, 1);
        while (Volatile.Read(ref _sendSourcePollPending) != 0)
        {
            if (!_lock.TryEnter())
            {
                return false;
            }
            PollSendSourceLocked();
        }
        return true;
    }

    /// <summary>Whether a poll waits for a thread to take the lock.</summary>
    internal bool SendSourcePollPending => Volatile.Read(ref _sendSourcePollPending) != 0;

    /// <summary>Entered holding the lock; releases it before sending.</summary>
    private void PollSendSourceLocked()
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        try
        {
            Volatile.Write(ref _sendSourcePollPending, 0);
            if (_state is not (TcpConnectionState.Closed or TcpConnectionState.TimeWait) && _error == SocketError.Success)
            {
                _sender.Source.Refresh();
                if (_sender.Source.EndOfStream)
                {
                    ShutdownLocked();
                }
                else
                {
                    RestartWindowIfIdle();
                    Output();
                }
            }
            signals = Leave();
        }
        finally
        {
            _lock.Exit();
        }
        Deliver(signals);
    }
}
