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
/// stack at once. A ping-pong costs one wake-up each way, as in pasta.
/// </summary>
internal sealed class DirectUdpRelay : IUdpDatagramSink, IHostSocketHandler
{
    private const int MaxBurst = 64; // datagrams read per readiness report: level-triggered, so the rest come next round

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

    /// <summary>Stack → host, on the dispatcher: one non-blocking send per datagram; a full send buffer drops it (UDP), counted.</summary>
    public void Deliver(ReadOnlySpan<byte> payload, int segmentSize)
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        Interlocked.Add(ref _stats.BytesOut, payload.Length);
        bool added = false;
        try
        {
            _host.DangerousAddRef(ref added);
            int fd = (int)_host.DangerousGetHandle();
            if (segmentSize <= 0 || segmentSize >= payload.Length)
            {
                SendOne(fd, payload);
            }
            else
            {
                for (int offset = 0; offset < payload.Length; offset += segmentSize)
                {
                    SendOne(fd, payload.Slice(offset, Math.Min(segmentSize, payload.Length - offset)));
                }
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

    /// <summary>Host → stack, on the readiness set's thread: reads what is queued (up to a burst) and sends it into the stack.</summary>
    public unsafe bool OnReadiness()
    {
        Span<byte> buffer = _readiness.Scratch;
        bool added = false;
        try
        {
            _host.DangerousAddRef(ref added);
            int fd = (int)_host.DangerousGetHandle();
            for (int i = 0; i < MaxBurst; i++)
            {
                nint n;
                fixed (byte* p = buffer)
                {
                    n = LibC.Recv(fd, p, (nuint)buffer.Length, LibC.MSG_DONTWAIT);
                }
                if (n < 0)
                {
                    int errno = Errno.Last;
                    if (errno is Errno.EINTR or 111 /* ECONNREFUSED: ICMP for an earlier send */)
                    {
                        continue;
                    }
                    break; // EAGAIN: drained
                }
                Volatile.Write(ref _lastActivity, _time.GetTimestamp());
                Interlocked.Add(ref _stats.BytesIn, n);
                _ = _socket.SendConnected(buffer[..(int)n]); // UDP: a datagram the stack cannot route is lost, as in the kernel
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
}
