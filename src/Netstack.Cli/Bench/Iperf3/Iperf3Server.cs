using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// An iperf3 server on our stack that stock <c>iperf3 -c</c> clients can test against (TCP, -R, -P, -t, -n, -k).
/// It runs one test at a time, the way iperf_server_api.c does: cookie, PARAM_EXCHANGE, CREATE_STREAMS (each data
/// connection repeats the cookie), TEST_START and TEST_RUNNING, then waits for the client's TEST_END, exchanges
/// results, sends DISPLAY_RESULTS and waits for IPERF_DONE. UDP and --bidir are refused with SERVER_ERROR.
/// </summary>
public sealed class Iperf3Server : IAsyncDisposable
{
    // iperf_api.h error numbers the stock client can print: "received an unknown control message" and "bad format".
    private const int IeUnsupported = 2;

    private static readonly TimeSpan StreamPatience = TimeSpan.FromSeconds(30);

    private readonly TcpConnectionListener _listener;

    public Iperf3Server(NetStack stack, ushort port)
    {
        ArgumentNullException.ThrowIfNull(stack);
        // Every continuation of this server copies, parses or writes and never blocks, so it runs on the dispatcher
        // that made it ready: no thread-pool hop per read or write.
        _listener = stack.ListenTcp(new IPEndPoint(IPAddress.IPv6Any, port), backlog: 256, new TcpEndpointOptions { InlineCompletions = true });
    }

    /// <summary>Called when the data starts to flow and when it stops, so a caller can snapshot its counters.</summary>
    public Action? TestStarted { get; set; }

    public Action? TestStopped { get; set; }

    /// <summary>Serves one client's test; null when the client gave up or broke the protocol before results.</summary>
    public async Task<Iperf3TestOutcome?> ServeOneAsync(CancellationToken cancellationToken)
    {
        TcpConnection control = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        await using (control.ConfigureAwait(false))
        {
            control.NoDelay = true;
            Stream s = control.Stream;
            byte[]? cookie = await Iperf3Control.ReadCookieAsync(s, cancellationToken).ConfigureAwait(false);
            if (cookie is null)
            {
                return null;
            }
            await Iperf3Control.WriteStateAsync(s, Iperf3State.ParamExchange, cancellationToken).ConfigureAwait(false);
            Iperf3Parameters? parameters = await ReadParametersAsync(s, cancellationToken).ConfigureAwait(false);
            if (parameters is null)
            {
                return null;
            }
            await Iperf3Control.WriteStateAsync(s, Iperf3State.CreateStreams, cancellationToken).ConfigureAwait(false);

            var streams = new Iperf3DataStreams();
            await using (streams.ConfigureAwait(false))
            {
                await AcceptStreamsAsync(streams, parameters, cookie, cancellationToken).ConfigureAwait(false);
                (Iperf3State? state, TimeSpan user, TimeSpan system) = await RunTestAsync(s, streams, parameters, cancellationToken).ConfigureAwait(false);
                if (state != Iperf3State.TestEnd)
                {
                    return null; // CLIENT_TERMINATE, or the connection went away
                }
                return await ExchangeResultsAsync(s, streams, parameters, user, system, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The client's test parameters, or null when they ask for what this server refuses (answered SERVER_ERROR).</summary>
    private static async Task<Iperf3Parameters?> ReadParametersAsync(Stream s, CancellationToken cancellationToken)
    {
        using JsonDocument json = await Iperf3Control.ReadJsonAsync(s, cancellationToken).ConfigureAwait(false);
        // An unknown congestion control is refused, as iperf3 refuses one its kernel lacks (never a silent CUBIC).
        if (!Iperf3Parameters.TryParse(json.RootElement, out Iperf3Parameters parameters, out _) || parameters.Udp || parameters.Bidirectional
            || (parameters.Congestion.Length > 0 && !CongestionControlFactory.IsKnown(parameters.Congestion)))
        {
            await RefuseAsync(s, cancellationToken).ConfigureAwait(false);
            return null;
        }
        return parameters;
    }

    /// <summary>Accepts the test's data connections (each repeats the cookie); other clients meanwhile are told ACCESS_DENIED.</summary>
    private async Task AcceptStreamsAsync(Iperf3DataStreams streams, Iperf3Parameters parameters, byte[] cookie, CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(StreamPatience);
        while (streams.Count < parameters.Parallel)
        {
            TcpConnection data = await _listener.AcceptAsync(patience.Token).ConfigureAwait(false);
            byte[]? streamCookie = await Iperf3Control.ReadCookieAsync(data.Stream, patience.Token).ConfigureAwait(false);
            if (streamCookie is null || !streamCookie.AsSpan().SequenceEqual(cookie))
            {
                // Another client while this test sets up: iperf3 answers ACCESS_DENIED ("the server is busy").
                await Iperf3Control.WriteStateAsync(data.Stream, Iperf3State.AccessDenied, cancellationToken).ConfigureAwait(false);
                await data.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            if (parameters.Congestion.Length > 0)
            {
                data.CongestionControl = parameters.Congestion;
            }
            streams.Add(data);
        }
    }

    /// <summary>Starts the test and moves data until the client's next state (TEST_END normally); the CPU time it took.</summary>
    private async Task<(Iperf3State? State, TimeSpan User, TimeSpan System)> RunTestAsync(Stream s, Iperf3DataStreams streams, Iperf3Parameters parameters, CancellationToken cancellationToken)
    {
        await Iperf3Control.WriteStateAsync(s, Iperf3State.TestStart, cancellationToken).ConfigureAwait(false);
        await Iperf3Control.WriteStateAsync(s, Iperf3State.TestRunning, cancellationToken).ConfigureAwait(false);
        using var process = Process.GetCurrentProcess();
        TimeSpan user0 = process.UserProcessorTime, system0 = process.PrivilegedProcessorTime;
        streams.Start(send: parameters.Reverse, parameters.Length, LimitPerStream(parameters));
        // iperf3 -O: like a stock server, count only after the omitted seconds (slow start, buffers growing);
        // the bench's own meters (CPU, system calls, allocations) start then too.
        var measuring = new MeasuredInterval(this, streams);
        Task omitted = measuring.StartAfterAsync(TimeSpan.FromSeconds(Math.Max(0, parameters.Omit)), cancellationToken);

        Iperf3State? state = await Iperf3Control.ReadStateAsync(s, cancellationToken).ConfigureAwait(false);
        streams.MarkEnd();
        if (!parameters.Reverse)
        {
            await streams.StopAsync().ConfigureAwait(false);
        }
        measuring.Stop();
        await omitted.ConfigureAwait(false);
        process.Refresh();
        return (state, process.UserProcessorTime - user0, process.PrivilegedProcessorTime - system0);
    }

    /// <summary>EXCHANGE_RESULTS, DISPLAY_RESULTS and the client's IPERF_DONE; the test's outcome.</summary>
    private static async Task<Iperf3TestOutcome> ExchangeResultsAsync(Stream s, Iperf3DataStreams streams, Iperf3Parameters parameters, TimeSpan user, TimeSpan system, CancellationToken cancellationToken)
    {
        await Iperf3Control.WriteStateAsync(s, Iperf3State.ExchangeResults, cancellationToken).ConfigureAwait(false);
        Iperf3Results peer;
        using (JsonDocument json = await Iperf3Control.ReadJsonAsync(s, cancellationToken).ConfigureAwait(false))
        {
            if (!Iperf3Results.TryParse(json.RootElement, out peer))
            {
                throw new Iperf3ProtocolException("the client's results lack streams with id and bytes.");
            }
        }
        await streams.StopAsync().ConfigureAwait(false); // reverse mode: the senders ran on until the client answered
        Iperf3Results ours = streams.ToResults(parameters.Reverse, user, system);
        await Iperf3Control.WriteJsonAsync(s, ours.ToJson(), cancellationToken).ConfigureAwait(false);
        await Iperf3Control.WriteStateAsync(s, Iperf3State.DisplayResults, cancellationToken).ConfigureAwait(false);
        await Iperf3Control.ReadStateAsync(s, cancellationToken).ConfigureAwait(false); // IPERF_DONE, or a close

        return Iperf3Outcomes.Create(weSent: parameters.Reverse, streams.Count, streams.Seconds, ours, peer);
    }

    /// <summary>The measured part of a test: from the end of the omitted start (or at once) to its end; each hook runs once.</summary>
    private sealed class MeasuredInterval(Iperf3Server server, Iperf3DataStreams streams)
    {
        private int _state; // 0 omitting, 1 measuring, 2 ended

        public async Task StartAfterAsync(TimeSpan omit, CancellationToken cancellationToken)
        {
            if (omit > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(omit, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
            {
                if (omit > TimeSpan.Zero)
                {
                    streams.RestartCounting();
                }
                server.TestStarted?.Invoke();
            }
        }

        public void Stop()
        {
            int was = Interlocked.Exchange(ref _state, 2);
            if (was == 0)
            {
                server.TestStarted?.Invoke(); // the test ended within the omitted start: an empty interval
            }
            if (was != 2)
            {
                server.TestStopped?.Invoke();
            }
        }
    }

    /// <summary>iperf3 -n and -k bound the whole test; each stream sends its share.</summary>
    private static long LimitPerStream(Iperf3Parameters p)
    {
        long total = p.Bytes > 0 ? p.Bytes : p.BlockCount * p.Length;
        return total <= 0 ? 0 : (total + p.Parallel - 1) / p.Parallel;
    }

    private static async Task RefuseAsync(Stream s, CancellationToken cancellationToken)
    {
        await Iperf3Control.WriteStateAsync(s, Iperf3State.ServerError, cancellationToken).ConfigureAwait(false);
        var codes = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(codes, IeUnsupported);
        BinaryPrimitives.WriteInt32BigEndian(codes.AsSpan(4), 0);
        await s.WriteAsync(codes, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
