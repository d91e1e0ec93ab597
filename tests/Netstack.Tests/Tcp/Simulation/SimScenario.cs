using System.Text;
using Netstack.Link;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp.Simulation;

/// <summary>How a simulated connection ends.</summary>
internal enum ClosePattern
{
    /// <summary>The client half-closes after its writes; the server closes after reading EOF and writing.</summary>
    ClientFirst,
    /// <summary>The server half-closes after its writes; the client closes after reading EOF.</summary>
    ServerFirst,
    /// <summary>Both half-close as soon as their writes are done (simultaneous close when they coincide).</summary>
    Simultaneous,
    /// <summary>The client sends and half-closes; only then does the server start writing, and the client keeps reading.</summary>
    HalfCloseThenContinue,
    /// <summary>The client aborts (RST) mid-transfer; the server must see ConnectionReset.</summary>
    ClientAborts,
    /// <summary>The server aborts (RST) mid-transfer; the client must see ConnectionReset.</summary>
    ServerAborts,
}

/// <summary>What one side's application does: how much it writes, in which chunks, how it reads and closes.</summary>
internal sealed class SideSpec
{
    public int WriteTotal { get; set; }

    public int MaxWriteChunk { get; set; }

    public int MaxReadChunk { get; set; }

    /// <summary>Half-close as soon as every byte is written (otherwise only after reading EOF).</summary>
    public bool ShutdownAfterWrites { get; set; }

    /// <summary>Start writing only after reading the peer's EOF (half-close, then continue).</summary>
    public bool WriteAfterEof { get; set; }

    /// <summary>Call Close (not Shutdown) right after the writes: allowed only when the peer sends nothing.</summary>
    public bool CloseEarly { get; set; }

    /// <summary>Abort once this many bytes were read and <see cref="AbortAfterWrite"/> written; -1 never.</summary>
    public int AbortAfterRead { get; set; } = -1;

    public int AbortAfterWrite { get; set; }

    /// <summary>Abort by calling Close while received data is unread (RFC 9293 §3.10.4 / Linux: RST), when there is some.</summary>
    public bool AbortByCloseWithUnread { get; set; }

    public double ReadPauseChance { get; set; }

    public int MaxReadPauseMs { get; set; }

    public TcpEndpointOptions Options { get; set; } = new();

    public override string ToString()
    {
        TcpEndpointOptions o = Options;
        var s = new StringBuilder();
        s.Append($"write {WriteTotal} B in <= {MaxWriteChunk}, read in <= {MaxReadChunk}");
        if (ReadPauseChance > 0)
        {
            s.Append($", read pauses p={ReadPauseChance:0.00} <= {MaxReadPauseMs} ms");
        }
        s.Append(ShutdownAfterWrites ? ", shutdown after writes" : ", shutdown after EOF");
        if (WriteAfterEof)
        {
            s.Append(", writes after EOF");
        }
        if (CloseEarly)
        {
            s.Append(", close early");
        }
        if (AbortAfterRead >= 0)
        {
            s.Append($", ABORT after read {AbortAfterRead} / written {AbortAfterWrite}{(AbortByCloseWithUnread ? " (Close with unread data if any)" : "")}");
        }
        s.Append($"; sndbuf {o.SendBufferSize} rcvbuf {o.ReceiveBufferSize} nodelay {o.NoDelay} sack {o.Sack} ts {o.Timestamps} ws {o.WindowScaling} {o.CongestionControl}");
        if (o.KeepAlive)
        {
            s.Append($" keepalive {o.KeepAliveTime.TotalSeconds}s/{o.KeepAliveInterval.TotalSeconds}s x{o.KeepAliveProbes}");
        }
        return s.ToString();
    }
}

internal sealed class ConnectionSpec
{
    public int Index { get; init; }

    public bool V6 { get; init; }

    public int StartMs { get; init; }

    public ClosePattern Pattern { get; init; }

    public required SideSpec Client { get; init; }

    public required SideSpec Server { get; init; }

    public override string ToString() =>
        $"  conn {Index}: {(V6 ? "IPv6" : "IPv4")} start {StartMs} ms, {Pattern}\n    client: {Client}\n    server: {Server}";
}

/// <summary>
/// One seeded simulation scenario: the link (MTU, offloads, impairments per direction) and the
/// connections with their applications' behaviour. Everything derives from the seed, so a failing
/// seed replays exactly.
/// </summary>
internal sealed class SimScenario
{
    public int Seed { get; init; }

    public int Mtu { get; init; }

    public LinkCapabilities Capabilities { get; init; }

    public required ImpairmentOptions AToB { get; init; }

    public required ImpairmentOptions BToA { get; init; }

    public required IReadOnlyList<ConnectionSpec> Connections { get; init; }

    /// <summary>Initial sequence numbers pinned this close below 2^32 (so sequence numbers wrap mid-transfer), or null for RFC 6528 ISNs.</summary>
    public uint? IsnBelowWrap { get; init; }

    /// <summary>All connections go to one listener with a backlog of 1 (SYN cookies when SYNs overlap), using connection 0's server options.</summary>
    public bool SharedListener { get; init; }

    /// <summary>
    /// Connections run one after another on the same four-tuple (the client reuses its port once its
    /// previous connection is closed), so a SYN may meet the server's TIME-WAIT (RFC 9293 §3.10.7.4, RFC 6191).
    /// </summary>
    public bool SequentialReuse { get; init; }

    public static SimScenario Generate(int seed)
    {
        var rng = new Random(seed);
        // Draws added after the first seeds were recorded come from a second generator, so the
        // scenarios (and the replay seeds) stay what they were.
        var more = new Random(~seed);
        int[] mtus = [1280, 1500, 1500, 1500, 4000, 9000];
        int mtu = mtus[rng.Next(mtus.Length)];
        LinkCapabilities caps = rng.NextDouble() < 0.2
            ? LinkCapabilities.Gso | LinkCapabilities.Gro | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload
            : LinkCapabilities.None;
        ImpairmentOptions aToB = Impairment(rng, caps, seed * 2 + 1);
        ImpairmentOptions bToA = Impairment(rng, caps, seed * 2 + 2);
        int count = rng.NextDouble() < 0.3 ? rng.Next(2, 4) : 1;
        var connections = new List<ConnectionSpec>(count);
        for (int i = 0; i < count; i++)
        {
            connections.Add(Connection(rng, more, i, count));
        }
        uint? isn = more.NextDouble() < 0.2 ? (uint)more.Next(1, 300_000) : null;
        bool shared = count > 1 && more.NextDouble() < 0.4;
        bool sequential = count > 1 && !shared && more.NextDouble() < 0.5;
        return new SimScenario
        {
            Seed = seed,
            Mtu = mtu,
            Capabilities = caps,
            AToB = aToB,
            BToA = bToA,
            Connections = connections,
            IsnBelowWrap = isn,
            SharedListener = shared,
            SequentialReuse = sequential,
        };
    }

    private static ImpairmentOptions Impairment(Random rng, LinkCapabilities caps, int seed)
    {
        double loss = rng.NextDouble() < 0.25 ? 0 : rng.NextDouble() * 0.10;
        double duplicate = rng.NextDouble() < 0.5 ? 0 : rng.NextDouble() * 0.05;
        double reorder = rng.NextDouble() < 0.5 ? 0 : rng.NextDouble() * 0.10;
        // A flipped bit in a GSO super-segment whose checksum the receiving link marks valid (Rx offload)
        // would be trusted, as on real hardware that offloads: corrupt only when checksums are computed.
        double corrupt = caps == LinkCapabilities.None && rng.NextDouble() < 0.4 ? rng.NextDouble() * 0.03 : 0;
        TimeSpan delay = TimeSpan.Zero;
        TimeSpan jitter = TimeSpan.Zero;
        if (rng.NextDouble() < 0.3)
        {
            delay = TimeSpan.FromMilliseconds(rng.Next(1, 51));
            if (rng.NextDouble() < 0.5)
            {
                jitter = TimeSpan.FromMilliseconds(rng.Next(0, (int)delay.TotalMilliseconds / 2 + 1));
            }
        }
        return new ImpairmentOptions
        {
            Loss = loss,
            Duplicate = duplicate,
            Reorder = reorder,
            Corrupt = corrupt,
            Delay = delay,
            Jitter = jitter,
            Seed = seed,
            Direction = ImpairmentDirection.Outbound,
        };
    }

    private static int Size(Random rng, int connections)
    {
        double r = rng.NextDouble();
        int max = connections > 1 ? 150_000 : 400_000;
        return r switch
        {
            < 0.10 => 0,
            < 0.50 => rng.Next(1, 4096),
            < 0.85 => rng.Next(4096, 65536),
            _ => rng.Next(65536, max),
        };
    }

    private static ConnectionSpec Connection(Random rng, Random more, int index, int count)
    {
        ClosePattern pattern = rng.Next(10) switch
        {
            0 or 1 => ClosePattern.ClientFirst,
            2 or 3 => ClosePattern.ServerFirst,
            4 or 5 => ClosePattern.Simultaneous,
            6 or 7 => ClosePattern.HalfCloseThenContinue,
            8 => ClosePattern.ClientAborts,
            _ => ClosePattern.ServerAborts,
        };
        SideSpec client = Side(rng, Size(rng, count));
        SideSpec server = Side(rng, Size(rng, count));
        switch (pattern)
        {
            case ClosePattern.ClientFirst:
                client.ShutdownAfterWrites = true;
                client.CloseEarly = server.WriteTotal == 0 && rng.NextDouble() < 0.5;
                break;
            case ClosePattern.ServerFirst:
                server.ShutdownAfterWrites = true;
                server.CloseEarly = client.WriteTotal == 0 && rng.NextDouble() < 0.5;
                break;
            case ClosePattern.Simultaneous:
                client.ShutdownAfterWrites = true;
                server.ShutdownAfterWrites = true;
                break;
            case ClosePattern.HalfCloseThenContinue:
                client.ShutdownAfterWrites = true;
                server.WriteAfterEof = true;
                break;
            case ClosePattern.ClientAborts:
                // The client must have read something, so the server surely accepted (a RST in
                // SYN-RECEIVED would quietly drop the half-open child instead).
                server.WriteTotal = Math.Max(server.WriteTotal, 1);
                Abortive(rng, more, client, server, mustRead: true);
                break;
            case ClosePattern.ServerAborts:
                Abortive(rng, more, server, client, mustRead: false);
                break;
        }
        return new ConnectionSpec
        {
            Index = index,
            V6 = rng.NextDouble() < 0.4,
            StartMs = rng.NextDouble() < 0.5 ? 0 : rng.Next(0, 500),
            Pattern = pattern,
            Client = client,
            Server = server,
        };
    }

    /// <summary>
    /// The aborter resets after reading part of what the peer sends; the peer never half-closes (it
    /// waits for an EOF that never comes) and uses keepalive, so even a lost RST is found out.
    /// </summary>
    private static void Abortive(Random rng, Random more, SideSpec aborter, SideSpec peer, bool mustRead)
    {
        aborter.AbortAfterRead = rng.Next(mustRead ? 1 : 0, peer.WriteTotal + 1);
        aborter.AbortAfterWrite = rng.Next(0, aborter.WriteTotal + 1);
        aborter.AbortByCloseWithUnread = more.NextDouble() < 0.5;
        peer.Options.KeepAlive = true;
        peer.Options.KeepAliveTime = TimeSpan.FromSeconds(5);
        peer.Options.KeepAliveInterval = TimeSpan.FromSeconds(1);
        peer.Options.KeepAliveProbes = 9;
    }

    private static SideSpec Side(Random rng, int writeTotal)
    {
        int[] writeChunks = [100, 1000, 1448, 16384, 100_000, 1 << 20];
        int[] readChunks = [7, 100, 1500, 8192, 65536];
        int[] sendBuffers = [8 * 1024, 32 * 1024, 256 * 1024];
        int[] receiveBuffers = [4 * 1024, 16 * 1024, 64 * 1024, 256 * 1024];
        int maxRead = readChunks[rng.Next(readChunks.Length)];
        var options = new TcpEndpointOptions
        {
            SendBufferSize = sendBuffers[rng.Next(sendBuffers.Length)],
            ReceiveBufferSize = receiveBuffers[rng.Next(receiveBuffers.Length)],
            NoDelay = rng.NextDouble() < 0.3,
            Sack = rng.NextDouble() < 0.85,
            Timestamps = rng.NextDouble() < 0.85,
            WindowScaling = rng.NextDouble() < 0.85,
            CongestionControl = rng.NextDouble() < 0.5 ? "cubic" : "newreno",
        };
        bool pauses = rng.NextDouble() < 0.3;
        return new SideSpec
        {
            WriteTotal = writeTotal,
            MaxWriteChunk = writeChunks[rng.Next(writeChunks.Length)],
            MaxReadChunk = maxRead,
            ReadPauseChance = pauses ? 0.02 + rng.NextDouble() * 0.2 : 0,
            MaxReadPauseMs = pauses ? rng.Next(1, 2000) : 0,
            Options = options,
        };
    }

    public override string ToString()
    {
        var s = new StringBuilder();
        s.Append($"seed {Seed}: mtu {Mtu}, {Capabilities}");
        if (IsnBelowWrap is uint isn)
        {
            s.Append($", ISNs {isn} below 2^32");
        }
        if (SharedListener)
        {
            s.Append(", one listener with backlog 1");
        }
        if (SequentialReuse)
        {
            s.Append(", connections one after another on the same ports");
        }
        s.Append('\n');
        s.Append($"  A->B {Describe(AToB)}\n  B->A {Describe(BToA)}\n");
        foreach (ConnectionSpec c in Connections)
        {
            s.Append(c).Append('\n');
        }
        return s.ToString();
    }

    private static string Describe(ImpairmentOptions o) =>
        $"loss {o.Loss:0.000} dup {o.Duplicate:0.000} reorder {o.Reorder:0.000} corrupt {o.Corrupt:0.000} delay {o.Delay.TotalMilliseconds} ms jitter {o.Jitter.TotalMilliseconds} ms";
}
