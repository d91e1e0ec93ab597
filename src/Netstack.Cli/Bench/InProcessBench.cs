using System.Diagnostics;
using System.Net;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;

namespace Netstack.Cli.Bench;

/// <summary>
/// The in-process bench: two stacks joined by an in-memory link (optionally impaired), one stack's TCP
/// streams sending to the other's, both on this machine's cores with no kernel in the way. The link delivers
/// on the writer's thread (<see cref="ChannelDispatchMode.Inline"/>), as Linux loopback runs the receiver's
/// softirq on the sender's CPU, so the only threads are the application's. It measures
/// goodput, CPU time, segments, retransmissions and allocations, and with <see cref="BenchOptions.Verify"/>
/// checks every received byte against what was sent.
/// </summary>
public static class InProcessBench
{
    private const int ChunkSize = 256 * 1024;
    private const int Port = 5201;

    public static async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var pattern = new TestPattern(options.Seed);
        using ChannelLinkPair pair = CreateLink(options);
        ImpairedLink? impairA = null, impairB = null;
        if (options.IsImpaired)
        {
            impairA = new ImpairedLink(pair.A, Impairment(options, options.Seed), TimeProvider.System);
            impairB = new ImpairedLink(pair.B, Impairment(options, options.Seed + 1), TimeProvider.System);
        }

        using var client = new NetStack(new NetStackOptions { RandomSeed = options.Seed, Gso = options.Gso, Gro = options.Gro });
        using var server = new NetStack(new NetStackOptions { RandomSeed = options.Seed + 1, Gso = options.Gso, Gro = options.Gro });
        client.AddInterface((ILinkEndpoint?)impairA ?? pair.A, InterfaceAddress.Parse("10.9.0.1/24"));
        server.AddInterface((ILinkEndpoint?)impairB ?? pair.B, InterfaceAddress.Parse("10.9.0.2/24"));
        var serverEndPoint = new IPEndPoint(IPAddress.Parse("10.9.0.2"), Port);
        var tcpOptions = new TcpEndpointOptions { CongestionControl = options.CongestionControl };
        await using TcpConnectionListener listener = server.ListenTcp(new IPEndPoint(IPAddress.Any, Port), backlog: options.Streams + 8, tcpOptions);

        long perStream = options.Bytes is long total ? total / options.Streams : long.MaxValue;
        bool timed = options.Bytes is null;
        TimeSpan omit = timed ? options.Omit : TimeSpan.Zero;

        // Warm up once so JIT and pool growth do not count as the steady state.
        await TransferAsync(client, tcpOptions, listener, serverEndPoint, pattern, 1, 8L << 20, long.MaxValue, verify: false, new Counter(), cancellationToken).ConfigureAwait(false);

        // Like iperf3 -O, a timed run leaves out its first seconds (slow start, buffers growing to their working
        // size), so the numbers describe the steady state; a run of --bytes counts everything from the start.
        var received = new Counter();
        long sendDeadline = timed ? Stopwatch.GetTimestamp() + (long)((omit + options.Duration).TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        Task<long> Transfer() => TransferAsync(client, tcpOptions, listener, serverEndPoint, pattern, options.Streams, perStream, sendDeadline, options.Verify, received, cancellationToken);
        Task<long>? transfer = null;
        if (omit > TimeSpan.Zero)
        {
            transfer = Transfer();
            await Task.WhenAny(transfer, Task.Delay(omit, cancellationToken)).ConfigureAwait(false);
        }
        // Allocations are counted while the data flows, up to the send deadline: closing the connections and
        // collecting the results afterwards is not the steady state. The wait is created before counting starts.
        Task? flowing = timed ? Task.Delay(options.Duration, cancellationToken) : null;
        Sample before = Sample.Take(client, server, pair);
        long bytes0 = received.Value;
        long start = Stopwatch.GetTimestamp();
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        transfer ??= Transfer();
        await (flowing ?? transfer).ConfigureAwait(false);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        long bytes = await transfer.ConfigureAwait(false) - bytes0;
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Sample after = Sample.Take(client, server, pair);

        impairA?.Dispose();
        impairB?.Dispose();
        return new BenchResult
        {
            Mode = options.IsImpaired ? "in-process, impaired link" : "in-process",
            Streams = options.Streams,
            Mtu = options.Mtu,
            Gso = options.Gso,
            Bytes = bytes,
            Seconds = seconds,
            OmittedSeconds = omit.TotalSeconds,
            CpuSeconds = (after.Cpu - before.Cpu).TotalSeconds,
            Segments = after.Segments - before.Segments,
            Packets = after.Packets - before.Packets,
            Retransmits = after.Retransmits - before.Retransmits,
            AllocatedBytes = allocated,
            Verified = options.Verify,
        };
    }

    /// <summary>The in-memory link between the stacks, with the offloads the options ask for.</summary>
    private static ChannelLinkPair CreateLink(BenchOptions options)
    {
        LinkCapabilities offloads = options.Gso ? LinkCapabilities.Gso | LinkCapabilities.Gro : LinkCapabilities.None;
        if (options.Corrupt == 0)
        {
            // A partial checksum crosses the in-memory link unverified, as across a veth pair; with corruption
            // on, every packet carries a full checksum so the receiver can see the damage.
            offloads |= LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload;
        }
        return ChannelLink.CreatePair(new ChannelLinkOptions
        {
            Mtu = options.Mtu,
            Capabilities = offloads,
            DispatchMode = ChannelDispatchMode.Inline,
            QueueLimit = 8192,
        });
    }

    /// <summary>The counters the result reports, read at the start and at the end of the measured interval.</summary>
    private readonly record struct Sample(long Segments, long Retransmits, long Packets, TimeSpan Cpu)
    {
        public static Sample Take(NetStack client, NetStack server, ChannelLinkPair pair)
        {
            TcpStatisticsSnapshot c = client.GetStatistics().Tcp, s = server.GetStatistics().Tcp;
            using var process = Process.GetCurrentProcess();
            return new Sample(c.OutSegs + s.OutSegs, c.RetransSegs + s.RetransSegs, pair.A.TxPackets + pair.B.TxPackets, process.TotalProcessorTime);
        }
    }

    private static ImpairmentOptions Impairment(BenchOptions o, int seed) => new()
    {
        Loss = o.Loss,
        Reorder = o.Reorder,
        Duplicate = o.Duplicate,
        Corrupt = o.Corrupt,
        Delay = o.Delay,
        Seed = seed,
        Direction = ImpairmentDirection.Outbound,
    };

    /// <summary>Runs <paramref name="streams"/> connections in parallel and returns the bytes received in total.</summary>
    private static async Task<long> TransferAsync(NetStack client, TcpEndpointOptions tcpOptions, TcpConnectionListener listener, IPEndPoint server, TestPattern pattern,
        int streams, long bytesPerStream, long sendDeadline, bool verify, Counter received, CancellationToken cancellationToken)
    {
        var receivers = new Task<long>[streams];
        var senders = new Task[streams];
        for (int i = 0; i < streams; i++)
        {
            TcpConnection connection = await client.ConnectTcpAsync(server, timeout: null, tcpOptions, cancellationToken).ConfigureAwait(false);
            TcpConnection accepted = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            senders[i] = Task.Run(() => SendAsync(connection, pattern, bytesPerStream, sendDeadline, cancellationToken), cancellationToken);
            receivers[i] = Task.Run(() => ReceiveAsync(accepted, pattern, verify, received, cancellationToken), cancellationToken);
        }
        await Task.WhenAll(senders).ConfigureAwait(false);
        long[] perStream = await Task.WhenAll(receivers).ConfigureAwait(false);
        return perStream.Sum();
    }

    private static async Task SendAsync(TcpConnection connection, TestPattern pattern, long bytes, long deadline, CancellationToken cancellationToken)
    {
        await using (connection.ConfigureAwait(false))
        {
            Stream stream = connection.Stream;
            long sent = 0;
            while (sent < bytes && Stopwatch.GetTimestamp() < deadline)
            {
                int n = (int)Math.Min(ChunkSize, bytes - sent);
                await stream.WriteAsync(pattern.At(sent, n), cancellationToken).ConfigureAwait(false);
                sent += n;
            }
            connection.ShutdownWrite();
            // Wait for the peer's FIN so every byte is acknowledged before the connection is disposed.
            var sink = new byte[1];
            while (await stream.ReadAsync(sink, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
    }

    private static async Task<long> ReceiveAsync(TcpConnection connection, TestPattern pattern, bool verify, Counter total, CancellationToken cancellationToken)
    {
        await using (connection.ConfigureAwait(false))
        {
            Stream stream = connection.Stream;
            var buffer = new byte[ChunkSize];
            long received = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (verify && !pattern.Matches(received, buffer.AsSpan(0, n)))
                {
                    throw new BenchVerificationException($"stream data differs from what was sent within bytes {received}..{received + n}.");
                }
                received += n;
                total.Add(n);
            }
            connection.ShutdownWrite();
            return received;
        }
    }
}

/// <summary>Bytes received so far by all streams, read while they run.</summary>
internal sealed class Counter
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Add(long n) => Interlocked.Add(ref _value, n);
}

/// <summary>Received bytes differ from the sent ones.</summary>
public sealed class BenchVerificationException : Exception
{
    public BenchVerificationException()
    {
    }

    public BenchVerificationException(string message)
        : base(message)
    {
    }

    public BenchVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
