using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary>What <c>poll</c> reports for a TCP socket, following Linux's <c>tcp_poll</c>.</summary>
internal static class Readiness
{
    public const short POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
        POLLRDNORM = 0x40, POLLWRNORM = 0x100;
    public const int POLLRDHUP = 0x2000;

    public static int Of(DrillSocket socket)
    {
        if (socket.Listener is not null)
        {
            return socket.Listener.Socket.PendingAccepts > 0 ? POLLIN | POLLRDNORM : 0;
        }
        if (socket.Endpoint is not TcpEndpoint endpoint)
        {
            return POLLOUT | POLLWRNORM | POLLHUP; // Linux: an unconnected socket is "hung up" and writable
        }
        TcpConnectionState state = endpoint.State;
        int mask = 0;
        bool finReceived = FinReceived(endpoint);
        bool writeClosed = state is TcpConnectionState.FinWait1 or TcpConnectionState.FinWait2 or TcpConnectionState.Closing
            or TcpConnectionState.LastAck or TcpConnectionState.TimeWait or TcpConnectionState.Closed;
        if (state == TcpConnectionState.Closed || (finReceived && writeClosed))
        {
            mask |= POLLHUP;
        }
        if (finReceived || socket.ReadShutdown)
        {
            mask |= POLLIN | POLLRDNORM | POLLRDHUP;
        }
        if (state is not (TcpConnectionState.SynSent or TcpConnectionState.SynReceived))
        {
            if (endpoint.Available > 0)
            {
                mask |= POLLIN | POLLRDNORM;
            }
            if (!writeClosed && Writable(endpoint))
            {
                mask |= POLLOUT | POLLWRNORM;
            }
        }
        if (endpoint.Error != System.Net.Sockets.SocketError.Success && endpoint.Error != System.Net.Sockets.SocketError.OperationAborted)
        {
            mask |= POLLERR;
        }
        return mask;
    }

    /// <summary>Whether the peer's FIN arrived (Linux RCV_SHUTDOWN): the states after it, or a connection that ended cleanly.</summary>
    public static bool FinReceived(TcpEndpoint endpoint)
    {
        TcpConnectionState state = endpoint.State;
        return state is TcpConnectionState.CloseWait or TcpConnectionState.LastAck or TcpConnectionState.Closing or TcpConnectionState.TimeWait
            || (state == TcpConnectionState.Closed && endpoint.Error == System.Net.Sockets.SocketError.Success);
    }

    /// <summary>Linux <c>sk_stream_is_writeable</c>: free space at least half of what is queued, and under TCP_NOTSENT_LOWAT.</summary>
    public static bool Writable(TcpEndpoint endpoint)
    {
        TcpInfo info = endpoint.GetInfo();
        long queued = info.SendBufferBytes;
        long free = endpoint.Options.SendBufferSize - queued;
        return free > 0 && free >= queued / 2 && endpoint.NotSentBelowWatermark;
    }
}
