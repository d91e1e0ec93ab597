using System.Net.Sockets;
using Netstack.Buffers;

namespace Netstack.Transport.Tcp;

// Received data lent without a copy: a relay (TcpRelay) or a pipe reader (Netstack.AspNetCore) looks at the queued
// packet buffers themselves, then drops what it used as read.
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// Lends up to <paramref name="maxBytes"/> received bytes without copying them (see
    /// <see cref="TcpReceiveQueue.Gather"/>): a relay writes them to a host socket with one <c>sendmsg</c>, then calls
    /// <see cref="ConsumeReceived"/>. Only one reader may do this at a time, and not alongside <see cref="Receive"/>.
    /// </summary>
    internal int PeekReceived(List<ArraySegment<byte>> segments, List<PacketBuffer> held, int maxBytes)
    {
        lock (_lock)
        {
            return _appClosed ? 0 : _receiver.Queue.Gather(segments, held, maxBytes);
        }
    }

    /// <summary>
    /// As <see cref="PeekReceived(List{ArraySegment{byte}}, List{PacketBuffer}, int)"/>, and under the same lock whether
    /// nothing will follow what was lent: <paramref name="endOfStream"/> when the peer's FIN (or a quiet close) came
    /// after it, <paramref name="error"/> when the connection failed (OperationAborted once the application closed it).
    /// </summary>
    internal int PeekReceived(List<ArraySegment<byte>> segments, List<PacketBuffer> held, int maxBytes, out bool endOfStream, out SocketError error)
    {
        lock (_lock)
        {
            int n = _appClosed ? 0 : _receiver.Queue.Gather(segments, held, maxBytes);
            bool all = n == _receiver.Queue.Bytes;
            error = _appClosed ? SocketError.OperationAborted : _error;
            endOfStream = all && error == SocketError.Success && (_receiver.FinReceived || _state == TcpConnectionState.Closed);
            return n;
        }
    }

    /// <summary>Drops <paramref name="count"/> bytes lent by <see cref="PeekReceived(List{ArraySegment{byte}}, List{PacketBuffer}, int)"/> as read: the window opens as after a read.</summary>
    internal void ConsumeReceived(int count)
    {
        using TransmitFlush flush = new(this);
        Signals signals;
        lock (_lock)
        {
            int read = _receiver.Queue.Discard(count);
            if (read > 0)
            {
                OnConsumedLocked(read);
            }
            signals = Leave();
        }
        Deliver(signals);
    }

    /// <summary>
    /// For a zero-byte read: false when a read would find something now (data, the end of the stream, an error or a
    /// closed connection, reported in <paramref name="error"/>); otherwise arms <see cref="ReadWaiter"/> and returns
    /// true, and the caller must wait on it.
    /// </summary>
    internal bool ArmIfNothingToRead(out SocketError error) => ArmIfNothingNew(0, armWaiter: true, out error);

    /// <summary>
    /// For a reader that has already seen the first <paramref name="seen"/> queued bytes (a pipe reader that examined
    /// them and wants more): false when a read would find something new (more bytes than that, the end of the stream,
    /// an error or a closed connection, reported in <paramref name="error"/>); otherwise true, with
    /// <see cref="ReadWaiter"/> armed when <paramref name="armWaiter"/> (the caller must then wait on it).
    /// </summary>
    internal bool ArmIfNothingNew(long seen, bool armWaiter, out SocketError error)
    {
        lock (_lock)
        {
            bool more = _receiver.Queue.Bytes > seen;
            error = _appClosed ? SocketError.OperationAborted : more || _receiver.FinReceived ? SocketError.Success : _error;
            if (_appClosed || more || _receiver.FinReceived || _error != SocketError.Success || _state == TcpConnectionState.Closed)
            {
                return false;
            }
            if (armWaiter)
            {
                ReadWaiter.Arm();
            }
            return true;
        }
    }
}
