using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Netstack.Transport.Tcp;

namespace Netstack.Sockets;

/// <summary>
/// The byte stream of a <see cref="TcpConnection"/>, shaped like <see cref="NetworkStream"/>:
/// <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> returns 0 after the peer's FIN, writes
/// wait while the send buffer is full, errors surface as <see cref="IOException"/> wrapping a
/// <see cref="SocketException"/>. One read and one write may be pending at a time; waits use the
/// endpoint's reusable awaitables, so steady-state I/O does not allocate. The synchronous <c>Read</c> and
/// <c>Write</c> block the calling thread on the same waiters (not on the asynchronous path), bounded by
/// <see cref="ReadTimeout"/> and <see cref="WriteTimeout"/>.
/// </summary>
public sealed class TcpStream : Stream
{
    private readonly TcpConnection _connection;
    private readonly TcpEndpoint _endpoint;

    internal TcpStream(TcpConnection connection, TcpEndpoint endpoint)
    {
        _connection = connection;
        _endpoint = endpoint;
    }

    /// <summary>Always true.</summary>
    public override bool CanRead => true;

    /// <summary>Always true.</summary>
    public override bool CanWrite => true;

    /// <summary>Always false: a TCP stream cannot seek.</summary>
    public override bool CanSeek => false;

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Length => throw new NotSupportedException();

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes that can be read without waiting.</summary>
    public long DataAvailable => _endpoint.Available;

    // Pooled builders: a read or write that has to wait reuses its state machine box instead of allocating one
    // per call (the runtime's NetworkStream does the same), so a steady bulk transfer allocates nothing.
    /// <summary>
    /// Reads what is there, up to <paramref name="buffer"/>'s length, waiting until at least one byte, the end of the
    /// stream (0) or an error arrives.
    /// </summary>
    /// <exception cref="IOException">The connection failed or was reset (wraps a <see cref="SocketException"/>).</exception>
    /// <exception cref="InvalidOperationException">The connection is read through <see cref="TcpConnection.Input"/>.</exception>
    /// <remarks>
    /// A zero-byte read completes, returning 0, once data or the end of the stream is there, without taking any
    /// (the runtime's sockets and SslStream do the same): a relay can wait for data before it rents a buffer.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfReadThroughInput();
        while (true)
        {
            if (TryReadNow(buffer.Span, out int n))
            {
                return n;
            }
            await _endpoint.ReadWaiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void ThrowIfReadThroughInput()
    {
        if (_connection.IsReadThroughInput)
        {
            throw new InvalidOperationException("The connection is read through TcpConnection.Input; its stream cannot be read as well.");
        }
    }

    /// <summary>
    /// One look at the connection: true with the bytes read (0 at the end of the stream, or for an empty buffer once
    /// data is there), false with the read waiter armed when the caller must wait; throws on a connection error.
    /// </summary>
    private bool TryReadNow(Span<byte> buffer, out int read)
    {
        SocketError error;
        if (buffer.IsEmpty)
        {
            // Armed only when there is nothing to report, under the endpoint's lock: an armed waiter is always awaited.
            read = 0;
            if (_endpoint.ArmIfNothingToRead(out error))
            {
                return false;
            }
            return error == SocketError.Success ? true : throw TcpConnection.StreamError(error);
        }
        read = _endpoint.Receive(buffer, armWaiter: true, out bool endOfStream, out error);
        if (read > 0 || endOfStream)
        {
            return true;
        }
        return error == SocketError.Success ? false : throw TcpConnection.StreamError(error);
    }

    /// <summary>
    /// Copies all of <paramref name="buffer"/> into the send buffer, waiting while it is full; completes when the last
    /// byte is queued (not when it is acknowledged).
    /// </summary>
    /// <exception cref="IOException">The connection failed or was closed (wraps a <see cref="SocketException"/>).</exception>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAsync(buffer, TcpWriteFlags.None, cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, with <paramref name="flags"/> saying how
    /// the write is segmented: <see cref="TcpWriteFlags.More"/> holds it back for what follows (Linux MSG_MORE),
    /// <see cref="TcpWriteFlags.EndOfRecord"/> keeps it out of any segment with later data (MSG_EOR).
    /// </summary>
    /// <exception cref="IOException">The connection failed or was closed (wraps a <see cref="SocketException"/>).</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, TcpWriteFlags flags, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (!buffer.IsEmpty)
        {
            int n = _endpoint.Send(buffer.Span, flags, armWaiter: true, out SocketError error);
            if (error != SocketError.Success)
            {
                throw TcpConnection.StreamError(error);
            }
            buffer = buffer[n..];
            if (n == 0)
            {
                await _endpoint.WriteWaiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>As <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> over the given part of <paramref name="buffer"/>.</summary>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>As <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> over the given part of <paramref name="buffer"/>.</summary>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>As <see cref="Read(Span{byte})"/> over the given part of <paramref name="buffer"/>.</summary>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <summary>
    /// Blocks until data, the end of the stream or an error is there (the calling thread waits on the connection's
    /// read waiter; no thread-pool thread is involved). Like <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>,
    /// an empty buffer waits for data without taking any. After <see cref="ReadTimeout"/> it throws an
    /// <see cref="IOException"/> wrapping a <see cref="SocketException"/> (TimedOut); the connection stays usable.
    /// </summary>
    public override int Read(Span<byte> buffer)
    {
        ThrowIfReadThroughInput();
        TcpWaiter waiter = _endpoint.ReadWaiter;
        waiter.BeginBlocking();
        try
        {
            var deadline = new Deadline(ReadTimeout);
            while (true)
            {
                if (TryReadNow(buffer, out int n))
                {
                    return n;
                }
                if (!waiter.WaitBlocking(deadline.RemainingMilliseconds))
                {
                    throw TcpConnection.StreamError(SocketError.TimedOut);
                }
            }
        }
        finally
        {
            waiter.EndBlocking();
        }
    }

    /// <summary>Reads one byte, blocking as <see cref="Read(Span{byte})"/> does; -1 at the end of the stream.</summary>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <summary>As <see cref="Write(ReadOnlySpan{byte})"/> over the given part of <paramref name="buffer"/>.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>
    /// Copies everything into the send buffer, blocking while it is full (on the connection's write waiter, on the
    /// calling thread). When <see cref="WriteTimeout"/> passes first it throws an <see cref="IOException"/> wrapping a
    /// <see cref="SocketException"/> (TimedOut); what was copied before stays queued.
    /// </summary>
    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer, TcpWriteFlags.None);

    /// <summary>
    /// As <see cref="Write(ReadOnlySpan{byte})"/>, with <paramref name="flags"/> saying how the write is segmented:
    /// <see cref="TcpWriteFlags.More"/> holds it back for what follows (Linux MSG_MORE),
    /// <see cref="TcpWriteFlags.EndOfRecord"/> keeps it out of any segment with later data (MSG_EOR).
    /// </summary>
    public void Write(ReadOnlySpan<byte> buffer, TcpWriteFlags flags)
    {
        if (buffer.IsEmpty)
        {
            return;
        }
        TcpWaiter waiter = _endpoint.WriteWaiter;
        waiter.BeginBlocking();
        try
        {
            var deadline = new Deadline(WriteTimeout);
            while (!buffer.IsEmpty)
            {
                int n = _endpoint.Send(buffer, flags, armWaiter: true, out SocketError error);
                if (error != SocketError.Success)
                {
                    throw TcpConnection.StreamError(error);
                }
                buffer = buffer[n..];
                if (n == 0 && !waiter.WaitBlocking(deadline.RemainingMilliseconds))
                {
                    throw TcpConnection.StreamError(SocketError.TimedOut);
                }
            }
        }
        finally
        {
            waiter.EndBlocking();
        }
    }

    /// <summary>Writes one byte, blocking as <see cref="Write(ReadOnlySpan{byte})"/> does.</summary>
    public override void WriteByte(byte value) => Write([value]);

    /// <summary>True: <see cref="ReadTimeout"/> and <see cref="WriteTimeout"/> bound the synchronous calls.</summary>
    public override bool CanTimeout => true;

    /// <summary>
    /// Milliseconds a synchronous <see cref="Read(Span{byte})"/> waits before it fails with TimedOut;
    /// <see cref="Timeout.Infinite"/> (the default) waits for ever. Asynchronous reads use cancellation instead.
    /// </summary>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = ValidateTimeout(value);
    }

    /// <summary>Milliseconds a synchronous <see cref="Write(ReadOnlySpan{byte})"/> waits for room; <see cref="Timeout.Infinite"/> by default.</summary>
    public override int WriteTimeout
    {
        get => _writeTimeout;
        set => _writeTimeout = ValidateTimeout(value);
    }

    private int _readTimeout = Timeout.Infinite;
    private int _writeTimeout = Timeout.Infinite;

    /// <summary>As <see cref="NetworkStream"/>: a positive number of milliseconds or <see cref="Timeout.Infinite"/>.</summary>
    private static int ValidateTimeout(int value) =>
        value > 0 || value == Timeout.Infinite ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout is a positive number of milliseconds or Timeout.Infinite.");

    /// <summary>What is left of a timeout across the waits of one operation.</summary>
    private readonly struct Deadline(int timeoutMilliseconds)
    {
        private readonly long _end = timeoutMilliseconds == Timeout.Infinite ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;

        public int RemainingMilliseconds =>
            _end == long.MaxValue ? Timeout.Infinite : (int)Math.Clamp(_end - Environment.TickCount64, 0, int.MaxValue);
    }

    /// <summary>Data is handed to TCP as soon as it is written; flushing has nothing to wait for.</summary>
    public override void Flush()
    {
    }

    /// <summary>Completes at once (canceled when <paramref name="cancellationToken"/> already is); see <see cref="Flush"/>.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Disposing the stream closes the connection gracefully (FIN).</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _connection.Dispose();
        }
        base.Dispose(disposing);
    }
}
