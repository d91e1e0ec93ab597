using System.Diagnostics;
using System.Globalization;
using Netstack.Cli.Commands;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Xunit.Abstractions;

namespace Netstack.Interop.Tests;

/// <summary>
/// The stack in this process on a TUN link under kernel load: many concurrent kernel connections, a kernel client
/// killed mid-transfer (its socket reset by the kernel), and a long echo through a lossy, reordering link.
/// </summary>
public class KernelStressTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120); // safety net only, never an assertion about speed
    private static readonly IFormatProvider Inv = CultureInfo.InvariantCulture;

    // N threads, each: connect, send its own 64 KiB of random bytes, half-close, read the echo to EOF; one line per
    // connection "i sent-hash received-hash bytes" and "ok" at the end if every one matched.
    private const string ManyConnectionsScript = """
        import hashlib, os, socket, sys, threading
        host, port, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        results = [None] * count
        def run(i):
            try:
                s = socket.create_connection((host, port), timeout=60)
                data = os.urandom(size)
                got = bytearray()
                def reader():
                    while True:
                        chunk = s.recv(1 << 16)
                        if not chunk:
                            return
                        got.extend(chunk)
                t = threading.Thread(target=reader)
                t.start()
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                t.join(90)
                s.close()
                results[i] = (hashlib.sha256(data).hexdigest(), hashlib.sha256(bytes(got)).hexdigest(), len(got))
            except Exception as e:
                results[i] = ("error", repr(e), 0)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for t in threads: t.start()
        for t in threads: t.join(120)
        bad = 0
        for i, r in enumerate(results):
            if r is None or r[0] != r[1] or r[2] != size:
                bad += 1
                print(f"{i} {r}")
        print("ok" if bad == 0 else f"bad {bad}")
        sys.exit(0 if bad == 0 else 1)
        """;

    // Streams random bytes forever (reading the echo as it comes); prints "streaming" once 1 MiB is through.
    private const string StreamForeverScript = """
        import os, socket, sys, threading
        host, port = sys.argv[1], int(sys.argv[2])
        s = socket.create_connection((host, port), timeout=60)
        def reader():
            while s.recv(1 << 16):
                pass
        threading.Thread(target=reader, daemon=True).start()
        block = os.urandom(1 << 16)
        sent = 0
        announced = False
        while True:
            s.sendall(block)
            sent += len(block)
            if not announced and sent >= (1 << 20):
                print("streaming", flush=True)
                announced = True
        """;

    [RequiresRootAndTunFact("python3")]
    public void KernelStress_200_concurrent_connections_each_get_their_64KiB_back()
    {
        const int Connections = 200;
        const int Size = 64 * 1024;
        using NetnsFixture ns = NetnsFixture.Create();
        using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
        TcpProtocol tcp = TcpProtocol.For(stack);

        // 200 connects at once exceed the echo server's backlog (128). With SYN cookies the overflow is answered
        // statelessly, and when the kernel's TUN queue drops the handshake's last ACK the next data segment fails
        // the cookie check and is reset (RFC 4987 §3.6; Linux does the same). Without cookies the SYN is dropped
        // and the kernel retransmits it, as Linux with tcp_syncookies=0: every connection must then succeed.
        tcp.SynCookiesEnabled = false;
        using var server = new EchoServer(stack, 7);
        using var stop = new CancellationTokenSource();
        Task running = server.RunAsync(stop.Token);
        try
        {
            var clock = Stopwatch.StartNew();
            ProcessRunner.Result result = ns.Exec(TimeSpan.FromMinutes(5), null, "python3",
                ["-c", ManyConnectionsScript, ns.StackV4.ToString(), "7", Connections.ToString(Inv), Size.ToString(Inv)]);
            output.WriteLine($"{Connections} x {Size} bytes echoed in {clock.Elapsed}");
            WriteStatistics(tcp.Statistics);
            output.WriteLine(ns.Ip("-s", "link", "show", ns.DeviceName).Output);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("ok", result.Output.Trim());
            Assert.Equal(Connections, server.TcpConnections);

            // The server closes after the client's FIN and ends in LAST-ACK -> CLOSED: nothing may linger.
            Assert.True(WaitUntil(() => tcp.ConnectionCount == 0, Patience), $"{tcp.ConnectionCount} connections left");
            Assert.Equal(0, Interlocked.Read(ref tcp.Statistics.CurrEstab));
        }
        finally
        {
            stop.Cancel();
            Assert.True(running.Wait(Patience), "the echo server did not stop");
            ns.Link.Dispose();
        }
    }

    [RequiresRootAndTunFact("python3")]
    public void KernelStress_client_killed_mid_transfer_is_reset_and_removed()
    {
        using NetnsFixture ns = NetnsFixture.Create();
        using var stack = new NetStack();
        stack.AddInterface(ns.Link, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
        TcpProtocol tcp = TcpProtocol.For(stack);
        using var server = new EchoServer(stack, 7);
        using var stop = new CancellationTokenSource();
        Task running = server.RunAsync(stop.Token);
        try
        {
            long resetsBefore = Interlocked.Read(ref tcp.Statistics.EstabResets);
            Process client = ns.Start("python3", "-c", StreamForeverScript, ns.StackV4.ToString(), "7");
            string? line = NetstackProcess.ReadLine(client, Patience);
            Assert.Equal("streaming", line);
            Assert.Equal(1, tcp.ConnectionCount);

            // SIGKILL by PID (ip netns exec execs python3, so this is the client itself): the kernel closes the
            // socket with unread data in flight and answers with RST (RFC 2525 §2.17).
            client.Kill();
            client.WaitForExit();
            var clock = Stopwatch.StartNew();
            Assert.True(WaitUntil(() => tcp.ConnectionCount == 0, Patience), $"{tcp.ConnectionCount} connections left after the kill");
            output.WriteLine($"connection removed {clock.Elapsed} after the kill");
            Assert.True(Interlocked.Read(ref tcp.Statistics.EstabResets) > resetsBefore, "EstabResets did not move");
            Assert.Equal(0, Interlocked.Read(ref tcp.Statistics.CurrEstab));

            // The stack still serves: a fresh echo goes through.
            ProcessRunner.Result again = KernelPeer.TcpEcho(ns, ns.StackV4, 7, 1_000_000);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.True(WaitUntil(() => tcp.ConnectionCount == 0, Patience), $"{tcp.ConnectionCount} connections left after the second echo");
        }
        finally
        {
            stop.Cancel();
            Assert.True(running.Wait(Patience), "the echo server did not stop");
            ns.Link.Dispose();
        }
    }

    [RequiresRootAndTunFact("python3")]
    public void KernelStress_100MB_echo_through_loss_and_reordering_arrives_intact()
    {
        const long Bytes = 100_000_000;
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Mtu = 1500 });
        var impaired = new ImpairedLink(ns.Link, new ImpairmentOptions
        {
            Loss = 0.01,
            Reorder = 0.01,
            Direction = ImpairmentDirection.Both,
            Seed = 20261123,
        });
        try
        {
            using var stack = new NetStack();
            stack.AddInterface(impaired, $"{ns.StackV4}/24", $"{ns.StackV6}/64");
            TcpProtocol tcp = TcpProtocol.For(stack);
            using var server = new EchoServer(stack, 7);
            using var stop = new CancellationTokenSource();
            Task running = server.RunAsync(stop.Token);
            try
            {
                Assert.Equal(1500, impaired.Mtu);
                var clock = Stopwatch.StartNew();
                ProcessRunner.Result result = KernelPeer.TcpEcho(ns, ns.StackV4, 7, Bytes, TimeSpan.FromMinutes(15));
                output.WriteLine($"{Bytes} bytes echoed through the impaired link in {clock.Elapsed}: {result.Output.Trim()}");
                output.WriteLine($"outbound lost {impaired.Outbound.Lost}, reordered {impaired.Outbound.Reordered}; inbound lost {impaired.Inbound.Lost}, reordered {impaired.Inbound.Reordered}; retransmitted {tcp.Statistics.RetransSegs}");
                Assert.True(result.ExitCode == 0, result.ToString());
                Assert.True(impaired.Outbound.Lost > 0 && impaired.Inbound.Lost > 0, "the link dropped nothing");
            }
            finally
            {
                stop.Cancel();
                Assert.True(running.Wait(Patience), "the echo server did not stop");
                impaired.Dispose(); // the link's threads stop before the stack goes
            }
        }
        finally
        {
            impaired.Dispose(); // idempotent; disposes the TUN link too
        }
    }

    private void WriteStatistics(TcpStatistics stats)
    {
        foreach (System.Reflection.FieldInfo field in typeof(TcpStatistics).GetFields())
        {
            if (field.GetValue(stats) is long value && value != 0)
            {
                output.WriteLine($"  {field.Name} {value}");
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> (a safety net) passes.</summary>
    private static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(10); // polling interval, not a timing assumption
        }
        return true;
    }
}
