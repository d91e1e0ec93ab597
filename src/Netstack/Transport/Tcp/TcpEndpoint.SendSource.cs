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
            if (_buffer.Length != 0 || _finQueued || !ReferenceEquals(_send, _buffer) || _state is TcpState.Closed or TcpState.Listen or TcpState.TimeWait)
            {
                return false;
            }
            _send = source;
            return true;
        }
    }

    /// <summary>
    /// The attached source may have more bytes or its end: refresh it, queue our FIN after its last byte when the
    /// stream ended (RFC 9293 §3.10.4, as an application's Shutdown would), and send what the windows allow.
    /// </summary>
    internal void PollSendSource()
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            if (_state is not (TcpState.Closed or TcpState.TimeWait) && _error == SocketError.Success)
            {
                _send.Refresh();
                if (_send.EndOfStream)
                {
                    ShutdownLocked();
                }
                else
                {
                    Output();
                }
            }
            signals = Leave();
        }
        Deliver(signals);
    }
}
