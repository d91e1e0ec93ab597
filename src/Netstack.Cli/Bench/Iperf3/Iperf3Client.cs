using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>The test an <see cref="Iperf3Client"/> asks a stock <c>iperf3 -s</c> for.</summary>
public sealed record Iperf3ClientOptions
{
    public required IPEndPoint Server { get; init; }

    public int Streams { get; init; } = 1;

    /// <summary>The server sends and we receive (iperf3 -R).</summary>
    public bool Reverse { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seconds at the start that neither side counts (iperf3 -O); the test runs this much longer.</summary>
    public int OmitSeconds { get; init; }

    public int Length { get; init; } = Iperf3Parameters.DefaultLength;
}

/// <summary>
/// An iperf3 client on our stack, driving a stock <c>iperf3 -s</c>: it follows the server's state bytes
/// (iperf_client_api.c), connects the data streams with the cookie, moves data for the duration, sends
/// TEST_END, exchanges results and answers DISPLAY_RESULTS with IPERF_DONE.
/// </summary>
public static class Iperf3Client
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <exception cref="Iperf3ProtocolException">The server refused the test or broke the protocol.</exception>
    public static async Task<Iperf3TestOutcome> RunAsync(NetStack stack, Iperf3ClientOptions options, Action? started, Action? stopped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        byte[] cookie = Iperf3Cookie.Create();
        TcpConnection control = await stack.ConnectTcpAsync(options.Server, ConnectTimeout, null, cancellationToken).ConfigureAwait(false);
        await using (control.ConfigureAwait(false))
        {
            control.NoDelay = true;
            await control.Stream.WriteAsync(cookie, cancellationToken).ConfigureAwait(false);
            var streams = new Iperf3DataStreams();
            await using (streams.ConfigureAwait(false))
            {
                using var session = new Session(stack, options, cookie, control.Stream, streams) { Started = started, Stopped = stopped };
                while (true)
                {
                    Iperf3State state = await Iperf3Control.ReadStateAsync(control.Stream, cancellationToken).ConfigureAwait(false)
                        ?? throw new Iperf3ProtocolException("the server closed the control connection.");
                    if (await session.AdvanceAsync(state, cancellationToken).ConfigureAwait(false) is Iperf3TestOutcome outcome)
                    {
                        return outcome;
                    }
                }
            }
        }
    }

    /// <summary>One test from the client's side: what each state byte of the server asks for.</summary>
    private sealed class Session(NetStack stack, Iperf3ClientOptions options, byte[] cookie, Stream control, Iperf3DataStreams streams) : IDisposable
    {
        private readonly Process _process = Process.GetCurrentProcess();
        private Iperf3Results? _ours, _peer;

        public Action? Started { get; init; }

        public Action? Stopped { get; init; }

        /// <summary>Does what <paramref name="state"/> asks; the outcome once the server displays the results, else null.</summary>
        public async Task<Iperf3TestOutcome?> AdvanceAsync(Iperf3State state, CancellationToken cancellationToken)
        {
            switch (state)
            {
                case Iperf3State.ParamExchange:
                    await SendParametersAsync(cancellationToken).ConfigureAwait(false);
                    return null;
                case Iperf3State.CreateStreams:
                    await CreateStreamsAsync(cancellationToken).ConfigureAwait(false);
                    return null;
                case Iperf3State.TestStart:
                    return null;
                case Iperf3State.TestRunning:
                    await RunTestAsync(cancellationToken).ConfigureAwait(false);
                    return null;
                case Iperf3State.ExchangeResults:
                    await ExchangeResultsAsync(cancellationToken).ConfigureAwait(false);
                    return null;
                case Iperf3State.DisplayResults:
                    await Iperf3Control.WriteStateAsync(control, Iperf3State.IperfDone, cancellationToken).ConfigureAwait(false);
                    if (_ours is null || _peer is null)
                    {
                        throw new Iperf3ProtocolException("the server ended the test without exchanging results.");
                    }
                    return Iperf3Outcomes.Create(weSent: !options.Reverse, streams.Count, streams.Seconds, _ours, _peer);
                case Iperf3State.AccessDenied:
                    throw new Iperf3ProtocolException("the server is busy running a test (ACCESS_DENIED).");
                case Iperf3State.ServerError:
                    throw await ReadServerErrorAsync(cancellationToken).ConfigureAwait(false);
                case Iperf3State.ServerTerminate:
                    throw new Iperf3ProtocolException("the server terminated the test.");
                default:
                    throw new Iperf3ProtocolException($"unexpected state {(int)state} from the server.");
            }
        }

        public void Dispose() => _process.Dispose();

        private ValueTask SendParametersAsync(CancellationToken cancellationToken)
        {
            var parameters = new Iperf3Parameters
            {
                Time = (int)Math.Ceiling(options.Duration.TotalSeconds),
                Omit = options.OmitSeconds,
                Parallel = options.Streams,
                Reverse = options.Reverse,
                Length = options.Length,
            };
            return Iperf3Control.WriteJsonAsync(control, parameters.ToJson(), cancellationToken);
        }

        private async Task CreateStreamsAsync(CancellationToken cancellationToken)
        {
            for (int i = 0; i < options.Streams; i++)
            {
                TcpConnection data = await stack.ConnectTcpAsync(options.Server, ConnectTimeout, null, cancellationToken).ConfigureAwait(false);
                streams.Add(data);
                await data.Stream.WriteAsync(cookie, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task RunTestAsync(CancellationToken cancellationToken)
        {
            streams.Start(send: !options.Reverse, options.Length, 0);
            if (options.OmitSeconds > 0)
            {
                // Like a stock client: the omitted start is not counted; the server does the same.
                await Task.Delay(TimeSpan.FromSeconds(options.OmitSeconds), cancellationToken).ConfigureAwait(false);
                streams.RestartCounting();
            }
            Started?.Invoke();
            _process.Refresh();
            TimeSpan user0 = _process.UserProcessorTime, system0 = _process.PrivilegedProcessorTime;
            await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
            await streams.StopAsync().ConfigureAwait(false);
            Stopped?.Invoke();
            _process.Refresh();
            _ours = streams.ToResults(!options.Reverse, _process.UserProcessorTime - user0, _process.PrivilegedProcessorTime - system0);
            await Iperf3Control.WriteStateAsync(control, Iperf3State.TestEnd, cancellationToken).ConfigureAwait(false);
        }

        private async Task ExchangeResultsAsync(CancellationToken cancellationToken)
        {
            if (_ours is null)
            {
                throw new Iperf3ProtocolException("the server asked for results before the test ran.");
            }
            await Iperf3Control.WriteJsonAsync(control, _ours.ToJson(), cancellationToken).ConfigureAwait(false);
            using JsonDocument json = await Iperf3Control.ReadJsonAsync(control, cancellationToken).ConfigureAwait(false);
            if (!Iperf3Results.TryParse(json.RootElement, out Iperf3Results parsed))
            {
                throw new Iperf3ProtocolException("the server's results lack streams with id and bytes.");
            }
            _peer = parsed;
        }

        private async Task<Iperf3ProtocolException> ReadServerErrorAsync(CancellationToken cancellationToken)
        {
            var codes = new byte[8];
            await control.ReadAtLeastAsync(codes, 8, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return new Iperf3ProtocolException($"the server reported an error (iperf3 error {BinaryPrimitives.ReadInt32BigEndian(codes)}, errno {BinaryPrimitives.ReadInt32BigEndian(codes.AsSpan(4))}).");
        }
    }
}
