using System.Diagnostics;
using System.Net;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Cli.Bench;

/// <summary>
/// <c>netstack bench --connections N</c>: how many connections the stack holds and what each costs. Two in-process
/// stacks over an in-memory link; the client stack opens N TCP connections from its one address to the server stack's
/// listeners (one listener port per 20,000 connections, so the test needs ports shared between destinations, RFC 6056
/// §3.3.4), the server accepts them all. Unless <see cref="ConnectionsBenchOptions.Idle"/>, each connection then
/// carries one small request and reply (so the buffers data needs have been used) before going idle. With every
/// connection open and idle, a full blocking GC runs and the managed heap is compared with the heap before the first
/// connect: the difference is the memory of N connections, both ends (the <see cref="TcpConnection"/> objects the
/// applications hold, the endpoints, the tables, any packet buffers still held; the packet pool's blocks are managed
/// arrays, so they are in it).
/// </summary>
public static class ConnectionsBench
{
    /// <summary>Connections per listener port: below the 28,232 ports of the ephemeral range.</summary>
    public const int ConnectionsPerPort = 20_000;

    private const int BasePort = 5201;
    private const int ConcurrentOpens = 64;

    /// <summary>
    /// Connections the client may have opened that the server has not accepted yet, below the listeners' backlog: a
    /// connect completes on the caller's thread (the link delivers inline), so without this the connecting lanes
    /// would outrun the accept loops, fill the backlogs, and wait for SYN-ACK retransmissions.
    /// </summary>
    private const int Unaccepted = 2048;
    private const int MessageSize = 1024;

    public static async Task<ConnectionsBenchResult> RunAsync(ConnectionsBenchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions
        {
            Capabilities = LinkCapabilities.Gso | LinkCapabilities.Gro | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload,
            DispatchMode = ChannelDispatchMode.Inline,
            QueueLimit = 8192,
        });
        using var client = new NetStack(new NetStackOptions { RandomSeed = options.Seed, Pool = pool });
        using var server = new NetStack(new NetStackOptions { RandomSeed = options.Seed + 1, Pool = pool });
        client.AddInterface(pair.A, InterfaceAddress.Parse("10.9.0.1/24"));
        server.AddInterface(pair.B, InterfaceAddress.Parse("10.9.0.2/24"));
        int ports = (options.Connections + ConnectionsPerPort - 1) / ConnectionsPerPort;
        var listeners = new TcpConnectionListener[ports];
        for (int i = 0; i < ports; i++)
        {
            listeners[i] = server.ListenTcp(new IPEndPoint(IPAddress.Any, BasePort + i), backlog: 4096);
        }
        try
        {
            // One connection opened, used and closed first, so JIT, pool blocks and table growth of the first
            // connection do not count as every connection's.
            var warmUp = new Connections(1);
            await OpenAsync(client, listeners, warmUp, cancellationToken).ConfigureAwait(false);
            await ExchangeAsync(warmUp, cancellationToken).ConfigureAwait(false);
            warmUp.Abort();

            long heapBefore = FullGcHeap();
            var connections = new Connections(options.Connections);
            long start = Stopwatch.GetTimestamp();
            TimeSpan cpuStart = ProcessCpu();
            await OpenAsync(client, listeners, connections, cancellationToken).ConfigureAwait(false);
            TimeSpan openTime = Stopwatch.GetElapsedTime(start);
            TimeSpan openCpu = ProcessCpu() - cpuStart;
            if (!options.Idle)
            {
                await ExchangeAsync(connections, cancellationToken).ConfigureAwait(false);
            }
            // Let delayed ACKs and other short timers run out: what is measured is the idle state.
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            long heapAfter = FullGcHeap();
            long heldBuffers = pool.Outstanding;
            long established = client.GetStatistics().Tcp.CurrEstab;
            GC.KeepAlive(connections);
            connections.Abort();
            return new ConnectionsBenchResult
            {
                Connections = options.Connections,
                Established = established,
                Idle = options.Idle,
                ListenerPorts = ports,
                OpenSeconds = openTime.TotalSeconds,
                OpenCpuSeconds = openCpu.TotalSeconds,
                HeapBytes = heapAfter - heapBefore,
                HeldPacketBuffers = heldBuffers,
            };
        }
        finally
        {
            foreach (TcpConnectionListener listener in listeners)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>The managed heap after a full, blocking, compacting collection (finalizers run in between).</summary>
    private static long FullGcHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    /// <summary>Opens every connection of <paramref name="set"/>, <see cref="ConcurrentOpens"/> at a time, round-robin over the listeners.</summary>
    private static async Task OpenAsync(NetStack client, TcpConnectionListener[] listeners, Connections set, CancellationToken cancellationToken)
    {
        int count = set.Clients.Length;
        using var unaccepted = new SemaphoreSlim(Unaccepted);
        var accepts = new Task[listeners.Length];
        for (int l = 0; l < listeners.Length; l++)
        {
            int expected = count / listeners.Length + (l < count % listeners.Length ? 1 : 0);
            accepts[l] = AcceptAsync(listeners[l], set, l, listeners.Length, expected, unaccepted, cancellationToken);
        }
        var opens = new Task[Math.Min(ConcurrentOpens, count)];
        for (int lane = 0; lane < opens.Length; lane++)
        {
            opens[lane] = OpenLaneAsync(client, listeners, set, lane, opens.Length, unaccepted, cancellationToken);
        }
        await Task.WhenAll(opens).ConfigureAwait(false);
        await Task.WhenAll(accepts).ConfigureAwait(false);
    }

    private static async Task OpenLaneAsync(NetStack client, TcpConnectionListener[] listeners, Connections set, int lane, int lanes, SemaphoreSlim unaccepted, CancellationToken cancellationToken)
    {
        for (int i = lane; i < set.Clients.Length; i += lanes)
        {
            await unaccepted.WaitAsync(cancellationToken).ConfigureAwait(false);
            IPEndPoint target = new(IPAddress.Parse("10.9.0.2"), listeners[i % listeners.Length].LocalEndPoint.Port);
            set.Clients[i] = await client.ConnectTcpAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Accepts <paramref name="expected"/> connections into the server slots of the listener's share (index l, l + stride, ...).</summary>
    private static async Task AcceptAsync(TcpConnectionListener listener, Connections set, int first, int stride, int expected, SemaphoreSlim unaccepted, CancellationToken cancellationToken)
    {
        for (int n = 0, slot = first; n < expected; n++, slot += stride)
        {
            set.Servers[slot] = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            unaccepted.Release();
        }
    }

    /// <summary>
    /// One message of <see cref="MessageSize"/> bytes each way on every connection: every end writes first (the send
    /// buffers take it at once), then every end reads, so no end waits on a peer that waits in turn.
    /// </summary>
    private static async Task ExchangeAsync(Connections set, CancellationToken cancellationToken)
    {
        byte[] message = new byte[MessageSize];
        for (int i = 0; i < set.Clients.Length; i++)
        {
            await set.Clients[i].Stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            await set.Servers[i].Stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        var lanes = new Task[Math.Min(ConcurrentOpens, set.Clients.Length)];
        for (int lane = 0; lane < lanes.Length; lane++)
        {
            lanes[lane] = ReadLaneAsync(set, lane, lanes.Length, cancellationToken);
        }
        await Task.WhenAll(lanes).ConfigureAwait(false);
    }

    private static async Task ReadLaneAsync(Connections set, int lane, int lanes, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MessageSize];
        for (int i = lane; i < set.Clients.Length; i += lanes)
        {
            await set.Servers[i].Stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            await set.Clients[i].Stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Both ends of the connections, as applications would hold them.</summary>
    private sealed class Connections(int count)
    {
        public TcpConnection[] Clients { get; } = new TcpConnection[count];

        public TcpConnection[] Servers { get; } = new TcpConnection[count];

        public void Abort()
        {
            foreach (TcpConnection c in Clients)
            {
                c?.Abort();
            }
            foreach (TcpConnection c in Servers)
            {
                c?.Abort();
            }
        }
    }
}
