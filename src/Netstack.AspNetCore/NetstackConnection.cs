using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Netstack.Sockets;

namespace Netstack.AspNetCore;

/// <summary>
/// One accepted TCP connection of the stack as Kestrel sees it: a <see cref="ConnectionContext"/> whose transport
/// reads straight from the TCP receive queue (<see cref="TcpPipeReader"/>) and writes through an output pipe that a
/// send loop copies into the TCP send buffer, with the features Kestrel and middleware look for (id, endpoints,
/// lifetime, items, memory pool, and <see cref="INetstackConnectionFeature"/> for the TCP connection itself).
/// </summary>
/// <remarks>
/// Life cycle, as Kestrel's socket transport: the send loop ends when Kestrel completes the output (the connection
/// then closes gracefully with a FIN), when <see cref="Abort(ConnectionAbortedException)"/> cancels it (a reset), or
/// when TCP fails; <see cref="ConnectionClosed"/> fires after that. <see cref="DisposeAsync"/> completes both sides
/// and waits for the send loop.
/// </remarks>
internal sealed class NetstackConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IMemoryPoolFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature, INetstackConnectionFeature
{
    private static long s_lastId = DateTime.UtcNow.Ticks;

    private readonly TcpConnection _tcp;
    private readonly TcpPipeReader _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private Task _sending = Task.CompletedTask;
    private volatile ConnectionAbortedException? _abortReason;
    private string? _connectionId;
    private IDictionary<object, object?>? _items;
    private int _closedFired;

    public NetstackConnection(TcpConnection tcp, MemoryPool<byte> memoryPool, NetstackTransportOptions options)
    {
        _tcp = tcp;
        MemoryPool = memoryPool;
        LocalEndPoint = tcp.LocalEndPoint;
        RemoteEndPoint = tcp.RemoteEndPoint;
        _input = new TcpPipeReader(tcp.Endpoint, OnReceiveFailed);
        // The send loop runs inline in Kestrel's flush (it only copies into the send buffer); Kestrel's continuation
        // after back-pressure runs on the thread pool, never on the thread that freed the space.
        _output = new Pipe(new PipeOptions(
            memoryPool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: options.MaxWriteBufferSize,
            resumeWriterThreshold: options.MaxWriteBufferSize / 2,
            useSynchronizationContext: false));
        Transport = new DuplexPipe(_input, _output.Writer);
        ConnectionClosed = _closed.Token;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<INetstackConnectionFeature>(this);
    }

    public override string ConnectionId
    {
        get => _connectionId ??= "NS" + Interlocked.Increment(ref s_lastId).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        set => _connectionId = value;
    }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    public TcpConnection Connection => _tcp;

    /// <summary>Starts copying what Kestrel writes into TCP.</summary>
    public void Start() => _sending = SendLoopAsync();

    /// <summary>Resets the connection (RST): pending and later reads fail with <paramref name="abortReason"/>.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        _abortReason ??= abortReason;
        _output.Reader.CancelPendingRead();
        _tcp.Abort();
    }

    /// <summary>Completes both sides of the transport and waits until the connection is closed.</summary>
    public override async ValueTask DisposeAsync()
    {
        _input.Complete();
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        _closed.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                ReadResult result = await _output.Reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break; // aborted
                }
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    await _tcp.Stream.WriteAsync(segment).ConfigureAwait(false);
                }
                _output.Reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (IOException e)
        {
            failure = _abortReason ?? new ConnectionAbortedException("The TCP connection failed while sending.", e);
        }
        await _output.Reader.CompleteAsync(failure).ConfigureAwait(false);
        Close();
        if (Interlocked.Exchange(ref _closedFired, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.FireClosed(), this, preferLocal: false);
        }
    }

    /// <summary>
    /// Ends the TCP connection once nothing more will be sent: a reset after an abort, otherwise a FIN after the
    /// queued data. Bytes the application never read are dropped first: Kestrel's socket transport would have pulled
    /// them into its pipe already, so its close is a FIN, not the reset a close with unread data sends.
    /// </summary>
    private void Close()
    {
        if (_abortReason is not null)
        {
            _tcp.Abort();
            return;
        }
        long unread = _tcp.Endpoint.Available;
        if (unread > 0)
        {
            _tcp.Endpoint.ConsumeReceived((int)Math.Min(unread, int.MaxValue));
        }
        _tcp.Dispose();
    }

    private void FireClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// What a read reports once the connection failed: null when this side closed it (the input just ends), the abort
    /// reason after an abort, <see cref="ConnectionResetException"/> for a reset by the peer, and an
    /// <see cref="IOException"/> for the rest, each wrapping the <see cref="SocketException"/>. A failure by the peer
    /// or the network also ends the send loop, so <see cref="ConnectionClosed"/> fires.
    /// </summary>
    internal Exception? OnReceiveFailed(SocketError error)
    {
        if (_abortReason is ConnectionAbortedException reason)
        {
            return reason;
        }
        if (error == SocketError.OperationAborted)
        {
            return null;
        }
        _output.Reader.CancelPendingRead(); // as the socket transport: a failed receive ends the send loop too
        var inner = new SocketException((int)error);
        return error switch
        {
            SocketError.ConnectionReset => new ConnectionResetException(inner.Message, inner),
            SocketError.ConnectionAborted => new ConnectionAbortedException(inner.Message, inner),
            _ => new IOException(inner.Message, inner),
        };
    }

    public override string ToString() => $"{ConnectionId} {_tcp}";

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
