using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Fuzz;

/// <summary>
/// Target "stack": one <see cref="NetStack"/> (10.9.0.2, fd00:9::2) with TCP listeners on port 80 and UDP sockets on
/// port 53, fed the packets the input decodes to, with time advanced between them and an application that
/// accepts, reads, writes, echoes and closes. See <see cref="StackInput"/> for the input format.
/// </summary>
/// <remarks>
/// The harness can fix each packet up (addresses, lengths, checksums — or the checksum-valid offload flag) and
/// rebase its TCP acknowledgment and SACK blocks on the stack's initial sequence number, so the fuzzer's
/// mutations reach TCP's state machine instead of dying at the checksum. Invariants: nothing thrown or logged
/// as an exception, and every pooled buffer back after the application and the stack are disposed.
/// </remarks>
internal static class StackTarget
{
    private const int MaxTimerFires = 10_000; // per clock step: an input may make a timer re-arm itself at once

    private const int MaxConnections = 16;

    /// <summary>NETSTACK_FUZZ_TRACE=1 prints what each run reached (to check that seeds get past the handshake).</summary>
    private static readonly bool Trace = Environment.GetEnvironmentVariable("NETSTACK_FUZZ_TRACE") == "1";

    public static void Run(ReadOnlySpan<byte> input)
    {
        var reader = new ByteReader(input);
        byte config = reader.Byte();
        var clock = new ManualClock();
        PacketPool pool = SharedPool.Instance;
        long baseline = pool.Outstanding;
        var link = new FuzzLink((config & 1) != 0 ? LinkCapabilities.RxChecksumOffload : LinkCapabilities.None);
        var tracker = new StackInput.SequenceTracker();
        link.Observe = tracker.Observe;
        var stack = new NetStack(new NetStackOptions
        {
            TimeProvider = clock,
            Pool = pool,
            RandomSeed = 1,
            Gro = (config & 2) != 0,
            LoggerFactory = FailFastLoggerFactory.Instance,
        });
        stack.AddInterface(link, "10.9.0.2/24", "fd00:9::2/64");
        var app = new FuzzApplication(stack, TcpOptionsFor(config));
        var batch = new PacketBatch();
        try
        {
            for (int n = 0; n < StackInput.MaxPackets && !reader.IsEmpty; n++)
            {
                StackInput.Packet packet = StackInput.Next(ref reader);
                if (!packet.JoinsBatch || packet.Advance > TimeSpan.Zero)
                {
                    Deliver(link, batch);
                }
                clock.Advance(packet.Advance, MaxTimerFires);
                batch.Add(StackInput.Build(pool, packet, tracker, link.Capabilities));
                if (packet.RunsApplication)
                {
                    Deliver(link, batch);
                    app.Step();
                }
            }
            Deliver(link, batch);
            app.Step();
            clock.Advance(TimeSpan.FromSeconds(1), MaxTimerFires);
            FuzzInvariantException.Check(stack.GetStatistics().Ip.InDiscards == 0, "a packet's handling threw");
            if (Trace)
            {
                NetStackStatisticsSnapshot s = stack.GetStatistics();
                Console.Error.WriteLine($"stack: passive opens {s.Tcp.PassiveOpens}, in segs {s.Tcp.InSegs}, out segs {s.Tcp.OutSegs}, retrans {s.Tcp.RetransSegs}, "
                    + $"sack recoveries {s.Tcp.TCPSackRecovery}, csum errors {s.Tcp.InCsumErrors}, udp in {s.Udp.InDatagrams}, icmp echos {s.Icmp.InEchos}+{s.Icmp6.InEchos}, reasm ok {s.Ip.ReasmOKs}+{s.Ip6.ReasmOKs}");
            }
        }
        finally
        {
            batch.ReleaseAll();
            app.Dispose();
            stack.Dispose();
            link.Dispose();
        }
        FuzzInvariantException.Check(pool.Outstanding == baseline, $"{pool.Outstanding - baseline} pooled buffers leaked");
    }

    private static void Deliver(FuzzLink link, PacketBatch batch)
    {
        if (batch.Count > 0)
        {
            link.Deliver(batch);
        }
    }

    /// <summary>Configuration byte bits 2-6: ECN requested, NewReno, no SACK, a small fixed receive buffer (zero windows), keepalive after 10 s.</summary>
    private static TcpEndpointOptions TcpOptionsFor(byte config) => new()
    {
        Ecn = (config & 4) != 0 ? TcpEcnMode.RequestAndAccept : TcpEcnMode.AcceptOnly,
        CongestionControl = (config & 8) != 0 ? "newreno" : "cubic",
        Sack = (config & 16) == 0,
        ReceiveBufferSize = (config & 32) != 0 ? 4096 : 256 * 1024,
        ReceiveBufferAutoTuning = (config & 32) == 0,
        KeepAlive = (config & 64) != 0,
        KeepAliveTime = TimeSpan.FromSeconds(10),
        KeepAliveInterval = TimeSpan.FromSeconds(5),
    };

    /// <summary>The application side: accepts, then in turn reads, writes, shuts down and closes; echoes UDP.</summary>
    private sealed class FuzzApplication : IDisposable
    {
        private readonly TcpConnectionListener _listener4;
        private readonly TcpConnectionListener _listener6;
        private readonly UdpSocket _udp4;
        private readonly UdpSocket _udp6;
        private readonly List<TcpEndpoint> _connections = [];
        private static readonly byte[] Pattern = MakePattern();
        private static readonly byte[] Received = new byte[65536];
        private int _steps;

        public FuzzApplication(NetStack stack, TcpEndpointOptions options)
        {
            _listener4 = stack.ListenTcp(new IPEndPoint(IPAddress.Any, 80), backlog: 4, options);
            _listener6 = stack.ListenTcp(new IPEndPoint(IPAddress.IPv6Any, 80), backlog: 4, options);
            _udp4 = stack.CreateUdpSocket(AddressFamily.InterNetwork);
            _udp4.Bind(new IPEndPoint(IPAddress.Any, 53));
            _udp6 = stack.CreateUdpSocket(AddressFamily.InterNetworkV6);
            _udp6.Bind(new IPEndPoint(IPAddress.IPv6Any, 53));
        }

        private static byte[] MakePattern()
        {
            byte[] pattern = new byte[5000];
            for (int i = 0; i < pattern.Length; i++)
            {
                pattern[i] = (byte)i;
            }
            return pattern;
        }

        public void Step()
        {
            Accept(_listener4.Socket);
            Accept(_listener6.Socket);
            Echo(_udp4);
            Echo(_udp6);
            int action = _steps++ % 4;
            foreach (TcpEndpoint connection in _connections)
            {
                switch (action)
                {
                    case 0:
                        _ = connection.Receive(Received, armWaiter: false, out _, out _);
                        break;
                    case 1:
                        _ = connection.Send(Pattern, armWaiter: false, out _);
                        break;
                    case 2:
                        _ = connection.Receive(Received, armWaiter: false, out _, out _);
                        connection.Shutdown();
                        break;
                    default:
                        break;
                }
            }
            if (action == 3 && _connections.Count > 0)
            {
                _connections[0].Close();
                _connections.RemoveAt(0);
            }
        }

        private void Accept(TcpListenSocket listener)
        {
            while (_connections.Count < MaxConnections && listener.TryAccept(armWaiter: false, out _) is TcpEndpoint connection)
            {
                _connections.Add(connection);
            }
        }

        private void Echo(UdpSocket socket)
        {
            while (socket.TryReceiveFrom(Received, out int bytes, out NetAddress remote, out ushort port))
            {
                _ = socket.SendTo(Received.AsSpan(0, bytes), remote, port);
            }
        }

        public void Dispose()
        {
            foreach (TcpEndpoint connection in _connections)
            {
                connection.Abort();
            }
            _listener4.Dispose();
            _listener6.Dispose();
            _udp4.Dispose();
            _udp6.Dispose();
        }
    }
}
