using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Netstack.Buffers;
using Netstack.Transport.Tcp;

namespace Netstack.Sockets;

/// <summary>
/// A <see cref="PipeReader"/> straight over a connection's TCP receive queue (<see cref="TcpConnection.Input"/>, and the
/// read side of the Kestrel transport in Netstack.AspNetCore). A read
/// lends the queued packet buffers themselves as a <see cref="ReadOnlySequence{T}"/> (no copy; each buffer holds a
/// reference while lent), and <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> drops what was consumed
/// from the queue, which opens the receive window as a socket read would. Unconsumed data stays in TCP, so the
/// receive window is the pipe's back-pressure. "Examined" works as in <see cref="Pipe"/>: a reader that examined
/// everything waits for bytes beyond it.
/// </summary>
/// <remarks>
/// One reader at a time (the PipeReader contract); <see cref="CancelPendingRead"/> and <see cref="Complete"/> may come
/// from other threads. Waits use the endpoint's reusable read waiter, so the connection's <see cref="TcpStream"/> must not
/// be read alongside (<see cref="TcpConnection.Input"/> enforces that).
/// </remarks>
internal sealed class TcpPipeReader : PipeReader
{
    private readonly TcpEndpoint _endpoint;
    private readonly Func<SocketError, Exception?> _onFailure;
    private readonly Lock _lock = new(); // lending, advancing and completing may race only on teardown
    private readonly List<ArraySegment<byte>> _payloads = [];
    private readonly List<PacketBuffer> _held = [];
    private readonly ReceivedSegments _segments = new();
    private ReadOnlySequence<byte> _lent;
    private bool _lending;   // a read result is out and not yet advanced past
    private long _examined;  // bytes at the front of the queue the reader has examined but not consumed
    private int _cancelRequested;
    private bool _completed;

    /// <param name="endpoint">The connection's endpoint.</param>
    /// <param name="onFailure">
    /// What a read reports when the connection failed: the exception to throw, or null to end the input quietly (as
    /// for <see cref="SocketError.OperationAborted"/>, this side's own close).
    /// </param>
    public TcpPipeReader(TcpEndpoint endpoint, Func<SocketError, Exception?> onFailure)
    {
        _endpoint = endpoint;
        _onFailure = onFailure;
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            if (TryReadCore(armWaiter: true, out ReadResult result))
            {
                return result;
            }
            await _endpoint.ReadWaiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override bool TryRead(out ReadResult result) => TryReadCore(armWaiter: false, out result);

    /// <summary>
    /// True with a result when there is something new to report (bytes beyond those examined, the end of the stream,
    /// an error, a canceled read); otherwise false, with the endpoint's read waiter armed when asked.
    /// </summary>
    private bool TryReadCore(bool armWaiter, out ReadResult result)
    {
        ThrowIfCompletedOrLending();
        bool canceled = Interlocked.Exchange(ref _cancelRequested, 0) == 1;
        if (!canceled && _endpoint.ArmIfNothingNew(_examined, armWaiter, out _))
        {
            // A CancelPendingRead between the check above and the arm found no armed waiter to wake: wake it here.
            if (armWaiter && Volatile.Read(ref _cancelRequested) == 1)
            {
                _endpoint.ReadWaiter.Signal();
            }
            result = default;
            return false;
        }
        result = Lend(canceled);
        return true;
    }

    /// <summary>Lends everything queued (the whole receive queue: it is bounded by the receive window).</summary>
    private ReadResult Lend(bool canceled)
    {
        bool endOfStream;
        SocketError error;
        lock (_lock)
        {
            ReleaseHeld();
            _endpoint.PeekReceived(_payloads, _held, int.MaxValue, out endOfStream, out error);
            _lent = _segments.Link(_payloads);
            _lending = true;
        }
        if (error == SocketError.Success)
        {
            return new ReadResult(_lent, canceled, endOfStream);
        }
        Exception? failure = _onFailure(error);
        if (failure is null)
        {
            return new ReadResult(_lent, canceled, isCompleted: true); // closed by this side: the input simply ends
        }
        lock (_lock)
        {
            ReleaseHeld();
            _lending = false;
        }
        throw failure;
    }

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long consumedBytes;
        lock (_lock)
        {
            if (!_lending)
            {
                throw new InvalidOperationException("No read to advance past: call ReadAsync first.");
            }
            consumedBytes = _lent.Slice(_lent.Start, consumed).Length;
            long examinedBytes = Math.Max(consumedBytes, _lent.Slice(_lent.Start, examined).Length);
            _examined = examinedBytes - consumedBytes;
            _lent = default;
            _lending = false;
            ReleaseHeld();
        }
        if (consumedBytes > 0)
        {
            _endpoint.ConsumeReceived((int)consumedBytes);
        }
    }

    /// <inheritdoc/>
    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelRequested, 1);
        _endpoint.ReadWaiter.Signal(); // harmless when no read waits: the next one returns canceled
    }

    /// <inheritdoc/>
    public override void Complete(Exception? exception = null)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            _lent = default;
            _lending = false;
            ReleaseHeld();
        }
    }

    private void ThrowIfCompletedOrLending()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
        if (_lending)
        {
            throw new InvalidOperationException("A read result is still out: call AdvanceTo before reading again.");
        }
    }

    private void ReleaseHeld()
    {
        foreach (PacketBuffer buffer in _held)
        {
            buffer.Release();
        }
        _held.Clear();
        _payloads.Clear();
    }
}
