using System.Net.Sockets;
using System.Runtime.InteropServices;
using Netstack.Interop;
using Netstack.Transport.Tcp;

namespace Netstack.Forwarding;

/// <summary>
/// A TCP endpoint's send source that leaves the bytes in a host socket's receive queue until the stack's peer
/// acknowledges them (pasta's idea): segments peek their payload straight into the packet buffer with
/// <c>recv(MSG_PEEK)</c> from the offset set by <c>SO_PEEK_OFF</c>, acknowledged bytes are dropped with
/// <c>recv(MSG_TRUNC)</c>. No userspace send buffer, one copy (kernel to packet).
/// </summary>
/// <remarks>
/// <para>The <see cref="ITcpSendSource"/> members (<see cref="TryCopyTo"/>, <see cref="Discard"/>, <see cref="Refresh"/>,
/// <see cref="Clear"/>) run under the endpoint lock, so the kernel's peek offset has one user. socket(7): a peek advances SO_PEEK_OFF by the bytes peeked and a normal read (MSG_TRUNC included) moves it
/// back by the bytes removed; <see cref="_peekOffset"/> mirrors it so a setsockopt is needed only when a segment does
/// not start where the last one ended (retransmissions, probes).</para>
/// <para>Nothing else may peek or zero-byte-receive on the socket while the source is attached (the runtime's
/// zero-byte receive peeks one byte, which moves SO_PEEK_OFF): the relay only sends on it.</para>
/// <para><see cref="Length"/> is the count SIOCINQ gave at the last look (a refresh, or after each discard), so it
/// only moves under the lock. The end of the stream: poll(2) reports POLLRDHUP once the peer's FIN arrived; TCP
/// queues data in order and the FIN after it, so a SIOCINQ read after that poll counts every byte that will ever
/// come, and our FIN goes after the last of them.</para>
/// <para>Readiness: whoever waits on the edge-triggered <see cref="HostSocketReadiness"/> (the TUN dispatcher, usually)
/// polls the endpoint itself on each arrival of data, the FIN or an error (<see cref="OnReadiness"/>), so new bytes go
/// out with no hand-off; ACKs drive the rest (each discard looks at SIOCINQ again). The relay only waits for
/// <see cref="Ended"/>. The runtime's zero-byte receive is not used: on Linux it peeks one byte, which moves
/// SO_PEEK_OFF, and it is level-triggered, so it would fire at once while bytes are held.</para>
/// </remarks>
internal sealed unsafe class HostSocketSendSource : ITcpSendSource, IHostSocketHandler
{
    private static readonly Lazy<bool> Supported = new(Probe);

    private readonly SafeHandle _handle;
    private readonly HostForwarderStatistics _stats;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpEndpoint? _endpoint;
    private HostSocketReadiness? _readiness;
    private long _held;
    private long _peekOffset; // the kernel's SO_PEEK_OFF as we left it; -1 = unknown (set it before the next peek)
    private bool _endOfStream;
    private volatile bool _failed;
    private volatile bool _cleared;
    private ulong _watch;

    public HostSocketSendSource(Socket socket, HostForwarderStatistics stats)
    {
        _handle = socket.SafeHandle;
        _stats = stats;
        _peekOffset = -1;
    }

    /// <summary>Whether this kernel supports SO_PEEK_OFF on TCP sockets (Linux 6.10+), probed once.</summary>
    public static bool IsSupported => Supported.Value;

    public long Length => _held;

    public bool EndOfStream => _endOfStream;

    /// <summary>A system call failed (the host socket was reset or closed): the endpoint resets.</summary>
    public bool Failed => _failed;

    /// <summary>The endpoint ended and let go of the source.</summary>
    public bool Cleared => _cleared;

    public bool TryCopyTo(long offset, Span<byte> destination)
    {
        if (_failed || _cleared)
        {
            return false;
        }
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            if (_peekOffset != offset)
            {
                int value = checked((int)offset);
                if (LibC.SetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_PEEK_OFF, &value, sizeof(int)) < 0)
                {
                    return Fail();
                }
                _peekOffset = offset;
            }
            fixed (byte* p = destination)
            {
                int done = 0;
                while (done < destination.Length)
                {
                    nint n = LibC.Recv(fd, p + done, (nuint)(destination.Length - done), LibC.MSG_PEEK | LibC.MSG_DONTWAIT);
                    if (n < 0 && Errno.Last == Errno.EINTR)
                    {
                        continue;
                    }
                    if (n <= 0)
                    {
                        return Fail(); // bytes SIOCINQ counted are gone: only a reset or close does that
                    }
                    done += (int)n;
                    _peekOffset += n;
                }
            }
            return true;
        }
        catch (ObjectDisposedException)
        {
            return Fail();
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Discard(long count)
    {
        count = Math.Min(count, _held);
        if (count <= 0 || _failed || _cleared)
        {
            return;
        }
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            long done = 0;
            while (done < count)
            {
                nint n = LibC.Recv(fd, null, (nuint)(count - done), LibC.MSG_TRUNC | LibC.MSG_DONTWAIT);
                if (n < 0 && Errno.Last == Errno.EINTR)
                {
                    continue;
                }
                if (n <= 0)
                {
                    Fail();
                    return;
                }
                done += n;
            }
            _held -= count;
            if (_peekOffset >= 0)
            {
                _peekOffset = Math.Max(0, _peekOffset - count); // socket(7): reads move the peek offset back
            }
            Interlocked.Add(ref _stats.BytesIn, count);
            // Look again while we are here: bytes that arrived since become sendable on this ACK, with no wake-up.
            if (!_endOfStream)
            {
                _held = Math.Max(_held, Inq(fd));
            }
            SignalIfEnded();
        }
        catch (ObjectDisposedException)
        {
            Fail();
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Refresh()
    {
        if (_failed || _cleared || _endOfStream)
        {
            return;
        }
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            PollFd poll = new() { Fd = fd, Events = LibC.POLLIN | LibC.POLLRDHUP };
            if (LibC.Poll(&poll, 1, 0) < 0)
            {
                Fail();
                return;
            }
            if ((poll.ReturnedEvents & (LibC.POLLERR | LibC.POLLNVAL)) != 0)
            {
                Fail(); // a reset: the stack side is reset too, as the copying relay does
                return;
            }
            // poll first, SIOCINQ second: with the FIN seen, the count is final (TCP queues the FIN after the data).
            bool fin = (poll.ReturnedEvents & LibC.POLLRDHUP) != 0;
            long inq = Inq(fd);
            if (inq < 0)
            {
                return;
            }
            _held = Math.Max(_held, inq);
            _endOfStream = fin;
        }
        catch (ObjectDisposedException)
        {
            Fail();
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Clear()
    {
        _cleared = true;
        _held = 0;
        SignalIfEnded();
    }

    /// <summary>
    /// Completes once the relay has nothing left to do here: the host's FIN is queued behind bytes the peer has all
    /// acknowledged (so no retransmission can need the socket any more), the source failed, or the connection ended.
    /// </summary>
    public Task Ended => _ended.Task;

    /// <summary>
    /// Completes <see cref="Ended"/> when its time has come. Every place that changes what it depends on calls this
    /// after the change, so a reader racing a change cannot lose the end.
    /// </summary>
    public void SignalIfEnded()
    {
        if (_failed || _cleared || (_endOfStream && _held == 0))
        {
            _ended.TrySetResult();
        }
    }

    private long Inq(int fd)
    {
        int value;
        if (LibC.Ioctl(fd, LibC.SIOCINQ, &value) < 0)
        {
            Fail();
            return -1;
        }
        return value;
    }

    private bool Fail()
    {
        _failed = true;
        SignalIfEnded();
        return false;
    }

    /// <summary>
    /// The readiness set reported new data, the FIN or an error: poll the endpoint right here, which peeks and sends
    /// what the windows allow (no thread-pool hop, no wake-up of another thread per arrival).
    /// </summary>
    /// <returns>False when the endpoint was busy on another thread and the poll is still pending there.</returns>
    public bool OnReadiness()
    {
        TcpEndpoint? endpoint = Volatile.Read(ref _endpoint);
        bool done = endpoint is null || endpoint.PollSendSource();
        SignalIfEnded();
        return done;
    }

    /// <summary>Whether a poll left to a busy endpoint is still waiting (the watcher retries it).</summary>
    public bool PollPending => Volatile.Read(ref _endpoint)?.SendSourcePollPending == true;

    /// <summary>
    /// Registers the socket with <paramref name="readiness"/>, which will poll <paramref name="endpoint"/> on each
    /// arrival; false when epoll refused it.
    /// </summary>
    public bool StartWatching(TcpEndpoint endpoint, HostSocketReadiness readiness)
    {
        GrowReceiveBuffer();
        Volatile.Write(ref _endpoint, endpoint);
        _readiness = readiness;
        _watch = readiness.Register((int)_handle.DangerousGetHandle(), this);
        return _watch != 0;
    }

    /// <summary>Unregisters from the readiness thread (before the socket closes).</summary>
    public void StopWatching()
    {
        // Once: a reset and the relay's own ending may both get here, and a second DEL could hit a reused descriptor.
        ulong watch = Interlocked.Exchange(ref _watch, 0);
        if (watch != 0)
        {
            _readiness!.Unregister((int)_handle.DangerousGetHandle(), watch);
        }
    }

    /// <summary>
    /// The receive buffer a held socket asks for (the kernel caps it at net.core.rmem_max and doubles it for its
    /// bookkeeping): about the bandwidth-delay product of the stack's side at 15 Gbit/s and 2 ms.
    /// </summary>
    internal const int HeldReceiveBuffer = 4 << 20;

    /// <summary>
    /// Bytes stay in the receive queue until the stack's peer acknowledges them, so the host peer's window is what
    /// the queue has room for, and it must cover a round trip on the stack's side. The kernel's autotuning cannot
    /// see that: it sizes the buffer by what the reader drains per round trip of the host connection (microseconds
    /// on loopback), so it stayed at tcp_rmem's 128 KiB and held `ab` over nginx to about 100 MB/s per connection.
    /// An explicit size turns autotuning off for this socket, as pasta does for its sockets.
    /// </summary>
    private void GrowReceiveBuffer()
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int size = HeldReceiveBuffer;
            _ = LibC.SetSockOpt((int)_handle.DangerousGetHandle(), LibC.SOL_SOCKET, LibC.SO_RCVBUF, &size, sizeof(int));
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>setsockopt(SO_PEEK_OFF) on a fresh TCP socket: EOPNOTSUPP (or EINVAL) before Linux 6.10.</summary>
    private static bool Probe()
    {
        int fd = LibC.Socket(LibC.AF_INET, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, LibC.IPPROTO_TCP);
        if (fd < 0)
        {
            return false;
        }
        int zero = 0;
        bool ok = LibC.SetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_PEEK_OFF, &zero, sizeof(int)) == 0;
        LibC.Close(fd);
        return ok;
    }
}
