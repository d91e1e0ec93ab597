using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Netstack.Sockets;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// The data connections of one iperf3 test and the loops that move their bytes: each stream either writes
/// blocks of the agreed length until stopped (or until its share of a byte limit is sent) or reads and counts
/// until the peer closes or the test stops. Stream ids follow iperf_add_stream: 1, 3, 4, 5, ...
/// </summary>
/// <remarks>
/// Stopping never cuts a block short: a stock iperf3 receiver reads whole blocks with blocking reads
/// (Nread) and, in reverse mode, keeps draining after TEST_END, so a sender that stopped mid-block would leave
/// it blocked and deaf to the control connection. Likewise receivers keep draining after the stop (so a stock
/// sender finishing its block is never stuck) and only their counts freeze; they end at dispose.
/// </remarks>
public sealed class Iperf3DataStreams : IAsyncDisposable
{
    private readonly List<TcpConnection> _connections = [];
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private long[] _bytes = [];
    private long[] _omitted = [];
    private long[]? _final;
    private bool _sending;
    private Task[] _loops = [];
    private long _started;
    private long _stopped;
    private long _end;

    public int Count => _connections.Count;

    public IReadOnlyList<TcpConnection> Connections => _connections;

    /// <summary>The id iperf3 gives the stream created <paramref name="index"/>-th (0-based).</summary>
    public static int StreamId(int index) => index == 0 ? 1 : index + 2;

    public void Add(TcpConnection connection) => _connections.Add(connection);

    /// <summary>Starts one loop per stream: sending blocks of <paramref name="length"/> bytes, or receiving.</summary>
    /// <param name="limitPerStream">Bytes after which a sending stream stops by itself; 0 for no limit.</param>
    public void Start(bool send, int length, long limitPerStream)
    {
        _bytes = new long[_connections.Count];
        _omitted = new long[_connections.Count];
        _loops = new Task[_connections.Count];
        _started = Stopwatch.GetTimestamp();
        _sending = send;
        var block = new byte[length];
        new Random(5201).NextBytes(block);
        for (int i = 0; i < _connections.Count; i++)
        {
            int index = i;
            TcpConnection c = _connections[i];
            _loops[i] = send
                ? Task.Run(() => SendAsync(c.Stream, block, index, limitPerStream, _stop.Token, _abort.Token))
                : Task.Run(() => ReceiveAsync(c.Input, index, _abort.Token));
        }
    }

    /// <summary>Seconds from <see cref="Start"/> to <see cref="MarkEnd"/> or <see cref="StopAsync"/> (or to now while running).</summary>
    public double Seconds => Stopwatch.GetElapsedTime(_started, _end != 0 ? _end : Stopwatch.GetTimestamp()).TotalSeconds;

    /// <summary>
    /// Marks the end of the measured interval without stopping the senders: a stock receiver that got TEST_END in
    /// reverse mode switches its sockets to blocking whole-block reads and only reads the control connection again
    /// once a read completes, so the data must keep coming until the results are exchanged (the kernel's send
    /// buffer does that for a stock server).
    /// </summary>
    public void MarkEnd()
    {
        if (_end == 0)
        {
            _end = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>iperf3 -O: what moved so far is left out, and the measured interval starts now.</summary>
    public void RestartCounting()
    {
        for (int i = 0; i < _bytes.Length; i++)
        {
            _omitted[i] = Volatile.Read(ref _bytes[i]);
        }
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Bytes moved by the stream at <paramref name="index"/> so far (after the omitted start).</summary>
    public long BytesOf(int index) => _final is long[] final ? final[index] : Volatile.Read(ref _bytes[index]) - _omitted[index];

    public long TotalBytes
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _bytes.Length; i++)
            {
                sum += BytesOf(i);
            }
            return sum;
        }
    }

    /// <summary>Completes when every loop has ended by itself (all senders hit their limit, or all peers closed).</summary>
    public Task Completion => Task.WhenAll(_loops);

    /// <summary>
    /// Ends the test: senders finish their current block and stop, receivers' counts freeze (they go on draining
    /// until dispose). The counts are final afterwards.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped != 0)
        {
            return;
        }
        _stopped = Stopwatch.GetTimestamp();
        MarkEnd();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sending)
        {
            // A peer that stopped reading must not hold us forever; then the last block is cut after all.
            await Task.WhenAny(Task.WhenAll(_loops), Task.Delay(StopPatience)).ConfigureAwait(false);
            await AbortLoopsAsync(onlyIfRunning: true).ConfigureAwait(false);
        }
        var final = new long[_bytes.Length];
        for (int i = 0; i < final.Length; i++)
        {
            final[i] = Volatile.Read(ref _bytes[i]) - _omitted[i];
        }
        _final = final;
    }

    private async Task AbortLoopsAsync(bool onlyIfRunning)
    {
        Task all = Task.WhenAll(_loops);
        if (onlyIfRunning && all.IsCompleted)
        {
            await Observe(all).ConfigureAwait(false);
            return;
        }
        await _abort.CancelAsync().ConfigureAwait(false);
        await Observe(all).ConfigureAwait(false);
    }

    private static async Task Observe(Task loops)
    {
        try
        {
            await loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // A stream reset by the peer at the end of the test is not a failure of the measurement.
        }
    }

    /// <summary>Results in the shape the peer expects, with each stream's retransmissions from the stack.</summary>
    public Iperf3Results ToResults(bool sender, TimeSpan cpuUser, TimeSpan cpuSystem)
    {
        double seconds = Math.Max(Seconds, 1e-9);
        var streams = new Iperf3StreamResult[_connections.Count];
        for (int i = 0; i < streams.Length; i++)
        {
            long retransmits = sender ? _connections[i].GetInfo().Retransmits : 0;
            streams[i] = new Iperf3StreamResult(StreamId(i), BytesOf(i), retransmits, 0, seconds);
        }
        double user = cpuUser.TotalSeconds / seconds * 100, system = cpuSystem.TotalSeconds / seconds * 100;
        return new Iperf3Results
        {
            CpuUtilTotal = user + system,
            CpuUtilUser = user,
            CpuUtilSystem = system,
            SenderHasRetransmits = sender,
            CongestionUsed = _connections.Count > 0 ? _connections[0].GetInfo().CongestionControl ?? "" : "",
            Streams = streams,
        };
    }

    private async Task SendAsync(Stream stream, byte[] block, int index, long limit, CancellationToken stop, CancellationToken cancellationToken)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int n = block.Length;
                if (limit > 0)
                {
                    long left = limit - _bytes[index];
                    if (left <= 0)
                    {
                        return;
                    }
                    n = (int)Math.Min(n, left);
                }
                await stream.WriteAsync(block.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _bytes[index], _bytes[index] + n);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // The bytes are counted where the stack received them, lent through the connection's PipeReader: like iperf3's
    // own server, which reads them from the kernel once and discards them, the data is copied into this process once
    // (by the TUN read), not a second time into a buffer of ours.
    private async Task ReceiveAsync(PipeReader input, int index, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> received = result.Buffer;
                Volatile.Write(ref _bytes[index], _bytes[index] + received.Length);
                input.AdvanceTo(received.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_loops.Length > 0)
        {
            await StopAsync().ConfigureAwait(false);
            await AbortLoopsAsync(onlyIfRunning: false).ConfigureAwait(false);
        }
        foreach (TcpConnection c in _connections)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }
        _connections.Clear();
        _stop.Dispose();
        _abort.Dispose();
    }
}
