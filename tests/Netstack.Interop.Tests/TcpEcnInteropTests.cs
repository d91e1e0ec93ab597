using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Netstack.Buffers;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Interop.Tests;

/// <summary>
/// ECN (RFC 3168) between our TCP and the Linux kernel's, with <c>net.ipv4.tcp_ecn=1</c> set in the test's own namespace
/// (the sysctl is per namespace and governs IPv6 too). The kernel's <c>ss -tie</c> says <c>ecn</c> when the handshake
/// agreed and <c>ecnseen</c> when ECT-marked segments arrived, so it checks our SYN flags and our ECT(0) marks.
/// </summary>
public partial class TcpEcnInteropTests
{
    // Safety nets only: nothing asserts how long anything takes.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    // Sends N random bytes while a thread reads the echo, then prints "ok" and the kernel's `ss -tie` line for the socket.
    private const string KernelClientScript = """
        import os, socket, subprocess, sys, threading
        host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        s = socket.create_connection((host, port), timeout=60)
        data = os.urandom(total)
        got = bytearray()
        def reader():
            while len(got) < total:
                chunk = s.recv(1 << 20)
                if not chunk:
                    return
                got.extend(chunk)
        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        t.join(120)
        peer = f"[{host}]:{port}" if ':' in host else f"{host}:{port}"
        info = subprocess.run(["ss", "-tieH", "dst", peer], capture_output=True, text=True).stdout
        s.close()
        print("ok" if bytes(got) == data else f"mismatch {len(got)} of {total}")
        print("ss " + " ".join(info.split()))
        sys.exit(0 if bytes(got) == data else 1)
        """;

    // Echoes one connection; after the first bytes it takes the kernel's `ss -tie` line for it, printed at the end.
    private const string KernelServerScript = """
        import socket, subprocess, sys
        host, port = sys.argv[1], int(sys.argv[2])
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port)); s.listen(1)
        print("ready", flush=True)
        s.settimeout(60)
        c, addr = s.accept(); c.settimeout(60)
        peer = f"[{addr[0]}]:{addr[1]}" if family == socket.AF_INET6 else f"{addr[0]}:{addr[1]}"
        info = None
        while True:
            d = c.recv(1 << 20)
            if not d: break
            if info is None:
                info = subprocess.run(["ss", "-tieH", "dst", peer], capture_output=True, text=True).stdout
            c.sendall(d)
        c.close()
        print("ss " + " ".join((info or "").split()), flush=True)
        """;

    [GeneratedRegex(@"\becn\b")]
    private static partial Regex EcnAgreed();

    [GeneratedRegex(@"\becnseen\b")]
    private static partial Regex EcnSeen();

    private static NetStack CreateStack(NetnsFixture ns, ILinkEndpoint link, PacketPool pool)
    {
        var stack = new NetStack(new NetStackOptions { Pool = pool });
        stack.AddInterface(link, (InterfaceAddress)$"{ns.StackV4}/{NetnsFixture.PrefixLengthV4}", (InterfaceAddress)$"{ns.StackV6}/{NetnsFixture.PrefixLengthV6}");
        return stack;
    }

    private static void EnableKernelEcn(NetnsFixture ns)
    {
        ProcessRunner.Result r = ns.Exec("sysctl", "-q", "-w", "net.ipv4.tcp_ecn=1");
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [RequiresRootAndTunTheory("python3", "ss")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Kernel_client_asking_for_ecn_gets_it_from_our_server(bool ipv6)
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        EnableKernelEcn(ns);
        using (NetStack stack = CreateStack(ns, ns.Link, pool))
        {
            using var cts = new CancellationTokenSource(Patience);
            TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, 7010)); // default: AcceptOnly
            var infos = new List<TcpInfo>();
            Task server = StackEchoServer.ServeAsync(listener, cts.Token, infos);
            ProcessRunner.Result r = await Task.Run(() => ns.Exec(Patience, null, "python3", "-c", KernelClientScript, (ipv6 ? ns.StackV6 : ns.StackV4).ToString(), "7010", (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.True(EcnAgreed().IsMatch(r.Output), r.Output);  // the kernel's SYN asked, our SYN-ACK agreed
            Assert.True(EcnSeen().IsMatch(r.Output), r.Output);    // our data arrived ECT
            await WaitFor(() => { lock (infos) { return infos.Count == 1; } });
            listener.Dispose();
            await cts.CancelAsync();
            await server;
            Assert.True(infos[0].Ecn, infos[0].ToString());
            NetStackStatisticsSnapshot s = stack.GetStatistics();
            long ect0 = ipv6 ? s.Ip6.InECT0Pkts : s.Ip.InECT0Pkts;
            Assert.True(ect0 > 0, "the kernel's data did not arrive ECT(0)");
            Assert.Equal(0, ipv6 ? s.Ip6.InHdrErrors : s.Ip.InHdrErrors);
        }
        ns.Link.Dispose();
    }

    [RequiresRootAndTunTheory("python3", "ss")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task We_ask_a_kernel_server_for_ecn_and_exchange_data_both_ways(bool ipv6)
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        EnableKernelEcn(ns);
        using NetStack stack = CreateStack(ns, ns.Link, pool);
        IPAddress kernelAddress = ipv6 ? ns.KernelV6 : ns.KernelV4;
        Process kernel = ns.Start("python3", "-c", KernelServerScript, kernelAddress.ToString(), "7011");
        Assert.Equal("ready", (await kernel.StandardOutput.ReadLineAsync())?.Trim());
        long kernelEct0Before = ipv6 ? 0 : ns.KernelNetstatCounter("IpExt", "InECT0Pkts");
        using var cts = new CancellationTokenSource(Patience);
        var options = new TcpEndpointOptions { Ecn = TcpEcnMode.RequestAndAccept };
        await using TcpConnection c = await stack.ConnectTcpAsync(new IPEndPoint(kernelAddress, 7011), Patience, options, cts.Token);
        byte[] data = RandomNumberGenerator.GetBytes(4 << 20);
        Task write = Task.Run(async () =>
        {
            await c.Stream.WriteAsync(data, cts.Token);
            c.ShutdownWrite();
        });
        var received = new MemoryStream();
        await c.Stream.CopyToAsync(received, cts.Token);
        await write;
        Assert.True(data.AsSpan().SequenceEqual(received.ToArray()));
        Assert.True(c.GetInfo().Ecn, c.GetInfo().ToString());
        string output = await kernel.StandardOutput.ReadToEndAsync(cts.Token);
        Assert.True(kernel.WaitForExit(Patience));
        Assert.Equal(0, kernel.ExitCode);
        Assert.True(EcnAgreed().IsMatch(output), output);
        Assert.True(EcnSeen().IsMatch(output), output);
        if (!ipv6)
        {
            // Every one of our data segments counts: the IPv4 header checksum covered the ECN bits, or the kernel dropped them.
            Assert.True(ns.KernelNetstatCounter("IpExt", "InECT0Pkts") - kernelEct0Before >= data.Length / 65536);
        }
        Assert.True(stack.GetStatistics().Ip6.InECT0Pkts + stack.GetStatistics().Ip.InECT0Pkts > 0);
    }

    /// <summary>
    /// Congestion marks both ways: the link marks CE on 2 % of the ECT packets in each direction (netem's <c>ecn</c>;
    /// Not-ECT ones, such as pure ACKs, it drops). The kernel must echo our marked data with ECE and we must reduce and
    /// send CWR; we must echo its marked data and it must answer with CWR. The pcap between the stack and the
    /// impairment shows the flags as the stack sent and received them.
    /// </summary>
    [RequiresRootAndTunFact("python3", "tshark")]
    public async Task Congestion_marks_are_echoed_and_answered_with_cwr_both_ways()
    {
        var pool = new PacketPool();
        // Without vnet_hdr the impairment sees every MTU-sized segment (about 5,800 each way), not a few hundred 64 KiB
        // super-segments, so 2 % marks some in both directions whatever the timing.
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool, Mtu = 1500, VirtioNetHeader = false });
        EnableKernelEcn(ns);
        var impaired = new ImpairedLink(ns.Link, new ImpairmentOptions { Loss = 0.02, Ecn = true, Direction = ImpairmentDirection.Both, Seed = 3168 });
        string pcap = Path.Combine(Path.GetTempPath(), $"nst-ecn-{Environment.ProcessId}.pcap");
        var sniffer = new PcapSniffer(impaired, pcap);
        try
        {
            long kernelDeliveredCeBefore = ns.KernelTcpExtCounter("TCPDeliveredCE");
            long kernelCeBefore = ns.KernelNetstatCounter("IpExt", "InCEPkts");
            using (NetStack stack = CreateStack(ns, sniffer, pool))
            {
                using var cts = new CancellationTokenSource(Patience);
                TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(IPAddress.Any, 7012));
                var infos = new List<TcpInfo>();
                Task server = StackEchoServer.ServeAsync(listener, cts.Token, infos);
                ProcessRunner.Result r = await Task.Run(() => ns.Exec(Patience, null, "python3", "-c", KernelClientScript, ns.StackV4.ToString(), "7012", (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                Assert.True(r.ExitCode == 0, r.ToString());
                await WaitFor(() => { lock (infos) { return infos.Count == 1; } });
                listener.Dispose();
                await cts.CancelAsync();
                await server;
                Assert.True(infos[0].Ecn, infos[0].ToString());
                Assert.True(impaired.Outbound.Marked > 0 && impaired.Inbound.Marked > 0, $"out: {impaired.Outbound}; in: {impaired.Inbound}");
                NetStackStatisticsSnapshot s = stack.GetStatistics();
                Assert.True(s.Ip.InCEPkts > 0, "no CE mark reached our IP layer");
                Assert.True(s.Tcp.TCPDeliveredCE > 0 && s.Tcp.TCPECNReductions > 0, $"we did not react to the kernel's ECE: {s.Tcp}");
                Assert.True(ns.KernelNetstatCounter("IpExt", "InCEPkts") > kernelCeBefore, "no CE mark reached the kernel");
                Assert.True(ns.KernelTcpExtCounter("TCPDeliveredCE") > kernelDeliveredCeBefore, "the kernel saw no ECE from us");
            }
        }
        finally
        {
            sniffer.Dispose(); // and the impairment and the TUN link inside it
        }
        try
        {
            string stack = ns.StackV4.ToString();
            string kernel = ns.KernelV4.ToString();
            Assert.True(CountInCapture(pcap, $"ip.src=={stack} && tcp.flags.cwr==1 && tcp.len>0") > 0, "we sent no CWR");
            Assert.True(CountInCapture(pcap, $"ip.src=={kernel} && tcp.flags.cwr==1") > 0, "the kernel sent no CWR");
            Assert.True(CountInCapture(pcap, $"ip.src=={stack} && tcp.flags.ece==1 && tcp.flags.syn==0") > 0, "we echoed nothing");
            // The echo ends at the kernel's CWR: after our first ECE we also sent segments without it.
            Assert.True(CountInCapture(pcap, $"ip.src=={stack} && tcp.flags.ece==0 && tcp.flags.syn==0 && frame.number > {FirstFrame(pcap, $"ip.src=={stack} && tcp.flags.ece==1 && tcp.flags.syn==0")}") > 0, "our echo never ended");
            Assert.True(CountInCapture(pcap, $"ip.src=={stack} && tcp.len>0 && ip.dsfield.ecn==0 && tcp.flags.syn==0") <= CountInCapture(pcap, $"ip.src=={stack} && tcp.len>0 && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission)"),
                "data not marked ECT that was no retransmission");
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private static int CountInCapture(string pcap, string filter)
    {
        ProcessRunner.Result r = ProcessRunner.Run("tshark", "-r", pcap, "-n", "-Y", filter, "-T", "fields", "-e", "frame.number");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    private static int FirstFrame(string pcap, string filter)
    {
        ProcessRunner.Result r = ProcessRunner.Run("tshark", "-r", pcap, "-n", "-Y", filter, "-T", "fields", "-e", "frame.number");
        Assert.True(r.ExitCode == 0, r.ToString());
        return int.Parse(r.Output.Trim().Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
