using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Netstack.Transport.Tcp;

namespace Netstack.Sockets;

/// <summary>
/// The byte stream of a <see cref="TcpConnection"/>, shaped like <see cref="NetworkStream"/>:
/// <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> returns 0 after the peer's FIN, writes
/// wait while the send buffer is full, errors surface as <see cref="IOException"/> wrapping a
/// <see cref="SocketException"/>. One read and one write may be pending at a time; waits use the
/// endpoint's reusable awaitables, so steady-state I/O does not allocate.
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

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes that can be read without waiting.</summary>
    public long DataAvailable => _endpoint.Available;

    // Pooled builders: a read or write that has to wait reuses its state machine box instead of allocating one
    // per call (the runtime's NetworkStream does the same), so a steady bulk transfer allocates nothing.
    /// <remarks>
    /// A zero-byte read completes, returning 0, once data or the end of the stream is there, without taking any
    /// (the runtime's sockets and SslStream do the same): a relay can wait for data before it rents a buffer.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            SocketError error;
            if (buffer.IsEmpty)
            {
                // Armed only when there is nothing to report, under the endpoint's lock: an armed waiter is always awaited.
                if (!_endpoint.ArmIfNothingToRead(out error))
                {
                    return error == SocketError.Success ? 0 : throw TcpConnection.StreamError(error);
                }
            }
            else
            {
                int n = _endpoint.Receive(buffer.Span, armWaiter: true, out bool endOfStream, out error);
                if (n > 0 || endOfStream)
                {
                    return n;
                }
                if (error != SocketError.Success)
                {
                    throw TcpConnection.StreamError(error);
                }
            }
            await _endpoint.ReadWaiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (!buffer.IsEmpty)
        {
            int n = _endpoint.Send(buffer.Span, armWaiter: true, out SocketError error);
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

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        byte[] temp = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int n = ReadAsync(temp.AsMemory(0, buffer.Length), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            temp.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        byte[] temp = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(temp);
            Write(temp, 0, buffer.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    /// <summary>Data is handed to TCP as soon as it is written; flushing has nothing to wait for.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

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
