using System.Net.Sockets;
using System.Runtime.InteropServices;
using Netstack.Interop;
using Netstack.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Carries a direct UDP flow (one connected host socket) with no task, queue or endpoint object per datagram:
/// datagrams from the stack are sent on the host socket by the dispatcher as they arrive
/// (<see cref="IUdpDatagramSink"/>), and datagrams from the host are read by the thread that serves the forwarder's
/// <see cref="HostSocketReadiness"/> (the TUN dispatcher, usually) while the socket is readable, and sent into the
/// stack at once. A ping-pong costs one wake-up each way, as in pasta. Bulk flows are batched both ways: reads with
/// <c>recvmmsg</c> and UDP_GRO (<see cref="HostDatagramReceiver"/>), sends gathered over the dispatcher's batch into
/// one <c>sendmmsg</c>, a USO run as one UDP_SEGMENT message (<see cref="HostDatagramSender"/>).
/// </summary>
internal sealed class DirectUdpRelay : IUdpDatagramSink, IHostSocketHandler
{
    private const int MaxBurstCalls = 8; // recvmmsg calls per readiness report: level-triggered, so the rest come next round

    private readonly UdpSocket _socket;
    private readonly SafeHandle _host;
    private readonly HostSocketReadiness _readiness;
    private readonly HostForwarderStatistics _stats;
    private readonly TimeProvider _time;
    private long _lastActivity;

    private DirectUdpRelay(UdpSocket socket, Socket host, HostSocketReadiness readiness, HostForwarderStatistics stats, TimeProvider time)
    {
        _socket = socket;
        _host = host.SafeHandle;
        _readiness = readiness;
        _stats = stats;
        _time = time;
        _lastActivity = time.GetTimestamp();
    }

    public bool PollPending => false;

    /// <summary>Runs the flow until it has been idle for the timeout or the forwarder stops; false when epoll refused the socket (nothing was done).</summary>
    public static async Task<bool> RunAsync(UdpSocket socket, DirectUdpFlow flow, HostSocketReadiness readiness, HostForwarderOptions options, HostForwarderStatistics stats, CancellationToken shutdown)
    {
        var relay = new DirectUdpRelay(socket, flow.Socket, readiness, stats, options.TimeProvider);
        int fd = (int)flow.Socket.SafeHandle.DangerousGetHandle();
        HostDatagramReceiver.EnableGro(fd); // where the kernel has it; without it every datagram is its own slot
        ulong watch = readiness.Register(fd, relay, LibC.EPOLLIN);
        if (watch == 0)
        {
            return false;
        }
        try
        {
            socket.DeliverTo(relay);
            relay.DrainQueued(); // the datagram that opened the flow (and any behind it) waited in the queue
            await UdpIdleWatch.WaitAsync(options.TimeProvider, options.UdpIdleTimeout, () => Volatile.Read(ref relay._lastActivity), stats, shutdown).ConfigureAwait(false);
        }
        finally
        {
            readiness.Unregister(fd, watch); // before the descriptor closes
            socket.Dispose();
            await flow.DisposeAsync().ConfigureAwait(false);
        }
        return true;
    }

    private void DrainQueued()
    {
        byte[] buffer = new byte[UdpProtocolLimits.MaxDatagram]; // once per flow
        while (_socket.TryReceiveFrom(buffer, out int n, out _, out _))
        {
            Deliver(buffer.AsSpan(0, n), 0);
        }
    }

    /// <summary>
    /// Stack → host. On the thread serving the readiness set (the TUN dispatcher) the datagram is staged and sent with
    /// the batch's others before that thread sleeps; on any other thread it is sent at once. A full send buffer drops
    /// it (UDP), counted.
    /// </summary>
    public void Deliver(ReadOnlySpan<byte> payload, int segmentSize)
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        Interlocked.Add(ref _stats.BytesOut, payload.Length);
        if (_readiness.OnServingThread)
        {
            _readiness.Sender.Add(_host, payload, segmentSize);
            return;
        }
        bool added = false;
        try
        {
            _host.DangerousAddRef(ref added);
            int fd = (int)_host.DangerousGetHandle();
            int size = segmentSize <= 0 ? payload.Length : segmentSize;
            for (int offset = 0; offset < payload.Length; offset += size)
            {
                SendOne(fd, payload.Slice(offset, Math.Min(size, payload.Length - offset)));
            }
        }
        catch (ObjectDisposedException)
        {
            // the flow ended while a datagram was on its way
        }
        finally
        {
            if (added)
            {
                _host.DangerousRelease();
            }
        }
    }

    private unsafe void SendOne(int fd, ReadOnlySpan<byte> datagram)
    {
        fixed (byte* p = datagram)
        {
            // ECONNREFUSED reports an ICMP port unreachable for an earlier datagram: UDP loses that one and goes on.
            if (LibC.Send(fd, p, (nuint)datagram.Length, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL) < 0 && Errno.Last == Errno.EAGAIN)
            {
                Interlocked.Increment(ref _stats.UdpSendDropped);
            }
        }
    }

    /// <summary>Host → stack, on the readiness set's thread: reads what is queued (a few batches at most) and sends it into the stack.</summary>
    public bool OnReadiness()
    {
        HostDatagramReceiver receiver = _readiness.Receiver;
        bool added = false;
        try
        {
            _host.DangerousAddRef(ref added);
            int fd = (int)_host.DangerousGetHandle();
            for (int call = 0; call < MaxBurstCalls; call++)
            {
                int n = receiver.Receive(fd);
                if (n < 0 && n is -Errno.EINTR or -111 /* ECONNREFUSED: ICMP for an earlier send */)
                {
                    continue;
                }
                if (n <= 0)
                {
                    break; // drained (or an error the next report repeats)
                }
                Volatile.Write(ref _lastActivity, _time.GetTimestamp());
                for (int i = 0; i < n; i++)
                {
                    SendIntoStack(receiver.Datagram(i), receiver.SegmentSize(i));
                }
                if (n < HostDatagramReceiver.Slots)
                {
                    break; // the call found the queue empty before filling every slot
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                _host.DangerousRelease();
            }
        }
        return true;
    }

    /// <summary>
    /// One datagram, or a GRO run sent as one super-datagram of <paramref name="segmentSize"/>-byte datagrams (the link
    /// offloads it with USO or the stack cuts it); a run the route cannot take whole (datagrams over its MTU need IP
    /// fragments) goes one datagram at a time. UDP: a datagram the stack cannot route is lost, as in the kernel.
    /// </summary>
    private void SendIntoStack(ReadOnlySpan<byte> payload, int segmentSize)
    {
        Interlocked.Add(ref _stats.BytesIn, payload.Length);
        if (segmentSize == 0)
        {
            _ = _socket.SendConnected(payload, 0);
            return;
        }
        if (_socket.SendConnected(payload, segmentSize) != SocketError.InvalidArgument)
        {
            return;
        }
        for (int offset = 0; offset < payload.Length; offset += segmentSize)
        {
            _ = _socket.SendConnected(payload.Slice(offset, Math.Min(segmentSize, payload.Length - offset)), 0);
        }
    }
}
