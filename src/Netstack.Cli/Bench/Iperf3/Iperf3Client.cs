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
            Stream s = control.Stream;
            await s.WriteAsync(cookie, cancellationToken).ConfigureAwait(false);
            var streams = new Iperf3DataStreams();
            await using (streams.ConfigureAwait(false))
            {
                Iperf3Results? ours = null, peer = null;
                using var process = Process.GetCurrentProcess();
                TimeSpan user0 = default, system0 = default;
                while (true)
                {
                    Iperf3State? state = await Iperf3Control.ReadStateAsync(s, cancellationToken).ConfigureAwait(false)
                        ?? throw new Iperf3ProtocolException("the server closed the control connection.");
                    switch (state)
                    {
                        case Iperf3State.ParamExchange:
                            var parameters = new Iperf3Parameters
                            {
                                Time = (int)Math.Ceiling(options.Duration.TotalSeconds),
                                Omit = options.OmitSeconds,
                                Parallel = options.Streams,
                                Reverse = options.Reverse,
                                Length = options.Length,
                            };
                            await Iperf3Control.WriteJsonAsync(s, parameters.ToJson(), cancellationToken).ConfigureAwait(false);
                            break;
                        case Iperf3State.CreateStreams:
                            for (int i = 0; i < options.Streams; i++)
                            {
                                TcpConnection data = await stack.ConnectTcpAsync(options.Server, ConnectTimeout, null, cancellationToken).ConfigureAwait(false);
                                streams.Add(data);
                                await data.Stream.WriteAsync(cookie, cancellationToken).ConfigureAwait(false);
                            }
                            break;
                        case Iperf3State.TestStart:
                            break;
                        case Iperf3State.TestRunning:
                            streams.Start(send: !options.Reverse, options.Length, 0);
                            if (options.OmitSeconds > 0)
                            {
                                // Like a stock client: the omitted start is not counted; the server does the same.
                                await Task.Delay(TimeSpan.FromSeconds(options.OmitSeconds), cancellationToken).ConfigureAwait(false);
                                streams.RestartCounting();
                            }
                            started?.Invoke();
                            process.Refresh();
                            user0 = process.UserProcessorTime;
                            system0 = process.PrivilegedProcessorTime;
                            await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
                            await streams.StopAsync().ConfigureAwait(false);
                            stopped?.Invoke();
                            process.Refresh();
                            ours = streams.ToResults(!options.Reverse, process.UserProcessorTime - user0, process.PrivilegedProcessorTime - system0);
                            await Iperf3Control.WriteStateAsync(s, Iperf3State.TestEnd, cancellationToken).ConfigureAwait(false);
                            break;
                        case Iperf3State.ExchangeResults:
                            if (ours is null)
                            {
                                throw new Iperf3ProtocolException("the server asked for results before the test ran.");
                            }
                            await Iperf3Control.WriteJsonAsync(s, ours.ToJson(), cancellationToken).ConfigureAwait(false);
                            using (JsonDocument json = await Iperf3Control.ReadJsonAsync(s, cancellationToken).ConfigureAwait(false))
                            {
                                if (!Iperf3Results.TryParse(json.RootElement, out Iperf3Results parsed))
                                {
                                    throw new Iperf3ProtocolException("the server's results lack streams with id and bytes.");
                                }
                                peer = parsed;
                            }
                            break;
                        case Iperf3State.DisplayResults:
                            await Iperf3Control.WriteStateAsync(s, Iperf3State.IperfDone, cancellationToken).ConfigureAwait(false);
                            if (ours is null || peer is null)
                            {
                                throw new Iperf3ProtocolException("the server ended the test without exchanging results.");
                            }
                            return Iperf3Outcomes.Create(weSent: !options.Reverse, streams.Count, streams.Seconds, ours, peer);
                        case Iperf3State.AccessDenied:
                            throw new Iperf3ProtocolException("the server is busy running a test (ACCESS_DENIED).");
                        case Iperf3State.ServerError:
                            var codes = new byte[8];
                            await s.ReadAtLeastAsync(codes, 8, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                            throw new Iperf3ProtocolException($"the server reported an error (iperf3 error {BinaryPrimitives.ReadInt32BigEndian(codes)}, errno {BinaryPrimitives.ReadInt32BigEndian(codes.AsSpan(4))}).");
                        case Iperf3State.ServerTerminate:
                            throw new Iperf3ProtocolException("the server terminated the test.");
                        default:
                            throw new Iperf3ProtocolException($"unexpected state {(int)state} from the server.");
                    }
                }
            }
        }
    }
}
