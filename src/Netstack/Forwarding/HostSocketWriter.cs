using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Interop;
using Netstack.Transport.Tcp;

namespace Netstack.Forwarding;

/// <summary>
/// Stack → host for one relayed TCP connection, with no task per arrival: the endpoint's read signal (data, the FIN,
/// an error) arrives on the dispatcher, which gathers what the namespace sent during its batch and, before it sleeps,
/// writes it to the host socket with one non-blocking <c>sendmsg</c> whose iovecs are the received packet buffers
/// themselves (<see cref="TcpEndpoint.PeekReceived"/>); the bytes the kernel took are then dropped as read, which opens
/// the window. A full host socket (EAGAIN) waits for EPOLLOUT on <see cref="HostSocketIo"/>'s shared thread, and the
/// namespace's sender is held back by the window meanwhile. The stack's EOF becomes SHUT_WR.
/// </summary>
/// <remarks>
/// Any thread may signal (a timer's reset, the EPOLLOUT wait); <see cref="Kick"/> runs one drain at a time and
/// repeats it for signals that came meanwhile.
/// </remarks>
internal sealed class HostSocketWriter
{
    /// <summary>The most received bytes handed to one <c>sendmsg</c> (the kernel's loopback takes a few 64 KiB skbs at once).</summary>
    private const int GatherLimit = 512 * 1024;

    private readonly TcpEndpoint _endpoint;
    private readonly Socket _host;
    private readonly HostSocketReadiness _readiness;
    private readonly HostForwarderStatistics _stats;
    private readonly CancellationToken _stop;
    private readonly List<ArraySegment<byte>> _segments = [];
    private readonly List<PacketBuffer> _held = [];
    private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _kicks;
    private bool _scheduled; // in the readiness set's before-sleep list (serving thread only)
    private volatile bool _waitingWritable;

    private HostSocketWriter(TcpEndpoint endpoint, Socket host, HostSocketReadiness readiness, HostForwarderStatistics stats, CancellationToken stop)
    {
        _endpoint = endpoint;
        _host = host;
        _readiness = readiness;
        _stats = stats;
        _stop = stop;
    }

    /// <summary>
    /// Starts writing what <paramref name="endpoint"/> receives to <paramref name="host"/>; the task ends with true
    /// after the stack's EOF became SHUT_WR, or false when the connection failed (the caller resets both sides).
    /// </summary>
    public static Task<bool> Start(TcpEndpoint endpoint, Socket host, HostSocketReadiness readiness, HostForwarderStatistics stats, CancellationToken stop)
    {
        var writer = new HostSocketWriter(endpoint, host, readiness, stats, stop);
        endpoint.ReadableCallback = writer.OnReadable;
        stop.UnsafeRegister(static s => ((HostSocketWriter)s!)._done.TrySetResult(false), writer);
        writer.Kick(); // what arrived before the callback was set
        return writer._done.Task;
    }

    private void OnReadable()
    {
        if (_readiness.OnServingThread)
        {
            if (!_scheduled)
            {
                _scheduled = true;
                _readiness.RunBeforeSleep(this); // gather the whole batch into one sendmsg
            }
            return;
        }
        Kick();
    }

    /// <summary>The readiness set's thread, before it sleeps.</summary>
    public void RunScheduled()
    {
        _scheduled = false;
        Kick();
    }

    private void Kick()
    {
        if (Interlocked.Increment(ref _kicks) != 1)
        {
            return; // a drain is running on another thread: it goes round again
        }
        int seen;
        do
        {
            seen = Volatile.Read(ref _kicks);
            if (!_waitingWritable && !_done.Task.IsCompleted)
            {
                Drain();
            }
        }
        while (Interlocked.Add(ref _kicks, -seen) != 0);
    }

    private void Drain()
    {
        try
        {
            while (true)
            {
                int n = _endpoint.PeekReceived(_segments, _held, GatherLimit);
                if (n == 0)
                {
                    if (_endpoint.ReadEnded(out SocketError error))
                    {
                        Finish(error == SocketError.Success);
                    }
                    return;
                }
                int sent = Send(out int errno);
                if (sent > 0)
                {
                    _endpoint.ConsumeReceived(sent);
                    Interlocked.Add(ref _stats.BytesOut, sent);
                }
                if (errno == Errno.EAGAIN)
                {
                    _waitingWritable = true;
                    _ = WaitWritableAsync();
                    return;
                }
                if (errno != 0)
                {
                    _done.TrySetResult(false);
                    return;
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or IOException)
        {
            _done.TrySetResult(false);
        }
    }

    /// <summary>Sends the gathered segments until done or the socket refuses more; returns the bytes sent, the stopping errno (0 when all went).</summary>
    private int Send(out int errno)
    {
        int first = 0;
        int skip = 0;
        errno = 0;
        try
        {
            while (first < _segments.Count)
            {
                errno = HostSocketIo.SendSome(_host.SafeHandle, _segments, ref first, ref skip);
                if (errno is not (0 or Errno.EINTR))
                {
                    break;
                }
                errno = 0;
            }
            int sent = skip;
            for (int i = 0; i < first; i++)
            {
                sent += _segments[i].Count;
            }
            return sent;
        }
        finally
        {
            foreach (PacketBuffer buffer in _held)
            {
                buffer.Release();
            }
            _held.Clear();
            _segments.Clear();
        }
    }

    private void Finish(bool endOfStream)
    {
        if (endOfStream)
        {
            _host.Shutdown(SocketShutdown.Send);
        }
        _done.TrySetResult(endOfStream);
    }

    /// <summary>Rare (the window follows what the host socket takes): waits for room on the shared waiter thread, then drains again.</summary>
    private async Task WaitWritableAsync()
    {
        try
        {
            await HostSocketIo.WaitAsync((int)_host.SafeHandle.DangerousGetHandle(), LibC.EPOLLOUT, _stop).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a failed wait ends the direction; the relay resets both sides
        catch (Exception)
#pragma warning restore CA1031
        {
            _done.TrySetResult(false);
            return;
        }
        _waitingWritable = false;
        Kick();
    }
}
