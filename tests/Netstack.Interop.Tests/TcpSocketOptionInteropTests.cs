using System.Globalization;
using System.Net;
using Netstack.Buffers;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;

namespace Netstack.Interop.Tests;

/// <summary>
/// TCP_MAXSEG and IP_TOS of our TCP as the Linux kernel sees them: a kernel client echoes data through our server
/// while a packet socket in the test's namespace captures what arrives on the TUN device from us.
/// </summary>
public class TcpSocketOptionInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120); // a safety net only

    // Echoes N random bytes through the server while a packet socket on the TUN device reads the IP headers of what the
    // server sends; prints "ok", the kernel socket's TCP_MAXSEG, and the distinct traffic classes seen from the server.
    private const string KernelClientScript = """
        import os, socket, sys, threading
        host, port, dev, total = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))  # ETH_P_ALL; TUN frames are bare IP
        cap.bind((dev, 0)); cap.settimeout(0.5)
        server = socket.inet_pton(socket.AF_INET6 if ':' in host else socket.AF_INET, host)
        classes, stop = set(), False
        def capture():
            while not stop:
                try: p = cap.recv(128)
                except socket.timeout: continue
                if p[0] >> 4 == 4 and p[9] == 6 and p[12:16] == server: classes.add(p[1])
                if p[0] >> 4 == 6 and p[6] == 6 and p[8:24] == server: classes.add(((p[0] & 0xF) << 4) | (p[1] >> 4))
        c = threading.Thread(target=capture); c.start()
        s = socket.create_connection((host, port), timeout=60)
        data = os.urandom(total); got = bytearray()
        def reader():
            while len(got) < total:
                chunk = s.recv(1 << 20)
                if not chunk: return
                got.extend(chunk)
        t = threading.Thread(target=reader); t.start()
        s.sendall(data); t.join(60)
        mss = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        s.close(); stop = True; c.join()
        print("ok" if bytes(got) == data else f"mismatch {len(got)} of {total}")
        print(mss)
        print(" ".join(str(x) for x in sorted(classes)))
        """;

    [RequiresRootAndTunTheory("python3")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Kernel_client_sees_our_mss_clamp_and_type_of_service(bool ipv6)
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        using (var stack = new NetStack(new NetStackOptions { Pool = pool }))
        {
            stack.AddInterface(ns.Link, (InterfaceAddress)$"{ns.StackV4}/{NetnsFixture.PrefixLengthV4}", (InterfaceAddress)$"{ns.StackV6}/{NetnsFixture.PrefixLengthV6}");
            using var cts = new CancellationTokenSource(Patience);
            var options = new TcpEndpointOptions { MaxSegmentSize = 1000, TypeOfService = 0x28 }; // DSCP AF11
            TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, 7020), options: options);
            Task server = StackEchoServer.ServeAsync(listener, cts.Token);
            string host = (ipv6 ? ns.StackV6 : ns.StackV4).ToString();
            ProcessRunner.Result r = await Task.Run(() => ns.Exec(Patience, null, "python3", "-c", KernelClientScript, host, "7020", ns.DeviceName, (256 << 10).ToString(CultureInfo.InvariantCulture)));
            listener.Dispose();
            await cts.CancelAsync();
            await server;
            Assert.True(r.ExitCode == 0, r.ToString());
            string[] lines = r.Output.Trim().Split('\n');
            Assert.True(lines.Length == 3 && lines[0] == "ok", r.Output);
            int kernelMss = int.Parse(lines[1], CultureInfo.InvariantCulture);
            Assert.InRange(kernelMss, 900, 1000);            // our SYN-ACK announced 1000, not the route's 1440/1460
            Assert.Equal("40", lines[2].Trim());              // 0x28 on every packet from us, the ECN bits clear
        }
        ns.Link.Dispose();
    }
}
