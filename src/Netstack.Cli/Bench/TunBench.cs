using System.Diagnostics;
using System.Net;
using Netstack.Cli.Bench.Iperf3;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Cli.Bench;

/// <summary>
/// <c>netstack bench --tun</c>: our stack on a TUN device speaking iperf3 with the kernel's iperf3 on the other
/// side of the device, as server (stock <c>iperf3 -c</c> clients test against it until SIGINT/SIGTERM, or once
/// with --one-off) or as client of a stock <c>iperf3 -s</c>. Each test prints a <see cref="TunBenchReport"/>.
/// </summary>
public static class TunBench
{
    public static async Task<int> RunAsync(TunBenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
        using TunLink link = TunOpener.Open("bench", options.Tun, options.Mtu, options.Queues, options.VirtioNetHeader);
        using var stack = new NetStack(new NetStackOptions { Gso = options.Gso, Gro = options.Gro });
        stack.AddInterface(link, options.Addresses);
        var meter = new Meter(link);

        try
        {
            if (options.Server)
            {
                var server = new Iperf3Server(stack, options.Port) { TestStarted = meter.Start, TestStopped = meter.Stop };
                await using (server.ConfigureAwait(false))
                {
                    output.WriteLine($"bench: iperf3 server ready on {link.Name} (mtu {link.Mtu}{(link.VirtioNetHeader ? ", vnet_hdr" : "")}), {string.Join(", ", options.Addresses)}, port {options.Port}");
                    output.Flush();
                    while (!cancel.IsCancellationRequested)
                    {
                        Iperf3TestOutcome? outcome;
                        try
                        {
                            outcome = await server.ServeOneAsync(cancel.Token).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is Iperf3ProtocolException or IOException or System.Net.Sockets.SocketException
                            || (e is OperationCanceledException && !cancel.IsCancellationRequested))
                        {
                            // A client that breaks off (or never opens its streams) costs its test, not the server.
                            output.WriteLine($"bench: test abandoned: {NetstackCli.OneLine(e.Message)}");
                            output.Flush();
                            continue;
                        }
                        if (outcome is not null)
                        {
                            Print(output, Report("iperf3 server", outcome, options, link, meter), options.Json);
                            if (options.OneOff)
                            {
                                break;
                            }
                        }
                    }
                }
            }
            else
            {
                var clientOptions = new Iperf3ClientOptions
                {
                    Server = new IPEndPoint(options.Client!, options.Port),
                    Streams = options.Streams,
                    Reverse = options.Reverse,
                    Duration = options.Duration,
                    OmitSeconds = options.OmitSeconds,
                };
                Iperf3TestOutcome outcome;
                try
                {
                    outcome = await Iperf3Client.RunAsync(stack, clientOptions, meter.Start, meter.Stop, cancel.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is Iperf3ProtocolException or IOException or System.Net.Sockets.SocketException)
                {
                    throw new CommandFailedException($"bench: iperf3 test with {clientOptions.Server} failed: {e.Message}", e);
                }
                Print(output, Report("iperf3 client", outcome, options, link, meter), options.Json);
            }
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            // SIGINT/SIGTERM: a normal way to stop the server.
        }
        link.Dispose(); // its dispatcher threads stop before the stack they deliver to goes away
        return ExitCodes.Success;
    }

    private static void Print(TextWriter output, TunBenchReport report, bool json)
    {
        output.WriteLine(json ? report.ToJson() : report.ToText());
        output.Flush();
    }

    private static TunBenchReport Report(string mode, Iperf3TestOutcome outcome, TunBenchOptions options, TunLink link, Meter meter) => new()
    {
        Mode = mode,
        Outcome = outcome,
        Mtu = link.Mtu,
        Queues = link.QueueCount,
        Gso = options.Gso,
        Gro = options.Gro,
        VirtioNetHeader = link.VirtioNetHeader,
        CpuSeconds = meter.CpuSeconds,
        RxPackets = meter.RxPackets,
        TxPackets = meter.TxPackets,
        SystemCalls = meter.SystemCalls,
        AllocatedBytes = meter.AllocatedBytes,
    };

    /// <summary>Counters of the process and the link between the start and the end of the data transfer.</summary>
    private sealed class Meter(TunLink link)
    {
        private TimeSpan _cpu0;
        private long _alloc0, _rx0, _tx0, _calls0;

        public double CpuSeconds { get; private set; }

        public long AllocatedBytes { get; private set; }

        public long RxPackets { get; private set; }

        public long TxPackets { get; private set; }

        public long SystemCalls { get; private set; }

        public void Start()
        {
            _cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            _alloc0 = GC.GetTotalAllocatedBytes(precise: true);
            TunLinkStatisticsSnapshot counters = link.GetStatistics();
            _calls0 = counters.SystemCalls;
            _rx0 = counters.RxPackets;
            _tx0 = counters.TxPackets;
        }

        public void Stop()
        {
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - _cpu0).TotalSeconds;
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - _alloc0;
            TunLinkStatisticsSnapshot counters = link.GetStatistics();
            SystemCalls = counters.SystemCalls - _calls0;
            RxPackets = counters.RxPackets - _rx0;
            TxPackets = counters.TxPackets - _tx0;
        }
    }
}
