using System.Net;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>
/// The kernel as a client of the stack under test: small python3 programs run inside the namespace that
/// speak UDP and TCP through real kernel sockets and print one result line. Every network wait in them has a
/// timeout (a safety net, not an assertion about speed) so a broken stack fails the test instead of hanging it.
/// </summary>
public static class KernelPeer
{
    private const string UdpEchoScript = """
        import os, socket, sys
        host, port, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(10)
        for i in range(count):
            data = os.urandom(size)
            s.sendto(data, (host, port))
            reply, peer = s.recvfrom(65535)
            if reply != data:
                print(f"mismatch {len(reply)} bytes from {peer}")
                sys.exit(1)
        print("ok")
        """;

    // One send with UDP_SEGMENT (Linux 4.18+): the kernel makes `total` bytes into datagrams of `seg` bytes. The
    // echo must come back as the same datagrams, in order.
    private const string UdpSegmentedEchoScript = """
        import os, socket, sys
        host, port, seg, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(10)
        s.setsockopt(17, 103, seg)  # SOL_UDP, UDP_SEGMENT
        data = os.urandom(total)
        s.sendto(data, (host, port))
        got = []
        while sum(map(len, got)) < total:
            got.append(s.recvfrom(65535)[0])
        ok = b"".join(got) == data and all(len(g) == seg for g in got[:-1])
        print(f"{len(got)} datagrams {'ok' if ok else 'mismatch'}")
        sys.exit(0 if ok else 1)
        """;

    // Sends N pseudo-random bytes while a thread reads the echo, then half-closes (SHUT_WR) and reads to EOF:
    // the echo is complete only if the server echoes everything and then closes its side too.
    private const string TcpEchoScript = """
        import hashlib, random, socket, sys, threading
        host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.create_connection((host, port), timeout=30)
        rng = random.Random(total)
        sent = hashlib.sha256()
        received = hashlib.sha256()
        got = 0
        def reader():
            global got
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    return
                received.update(chunk)
                got += len(chunk)
        t = threading.Thread(target=reader)
        t.start()
        left = total
        while left > 0:
            n = min(left, 1 << 16)
            block = rng.randbytes(n)
            sent.update(block)
            s.sendall(block)
            left -= n
        s.shutdown(socket.SHUT_WR)
        t.join(120)
        if t.is_alive():
            print(f"timeout after {got} of {total} bytes")
            sys.exit(1)
        s.close()
        print(f"{got} {sent.hexdigest()} {received.hexdigest()}")
        sys.exit(0 if got == total and sent.digest() == received.digest() else 1)
        """;

    private const string TcpConnectScript = """
        import socket, sys
        host, port = sys.argv[1], int(sys.argv[2])
        try:
            s = socket.create_connection((host, port), timeout=10)
            print("connected")
        except ConnectionRefusedError:
            print("refused")
        except OSError as e:
            print(f"error {e}")
        """;

    /// <summary>Sends <paramref name="count"/> datagrams of <paramref name="size"/> bytes and checks each echo.</summary>
    public static ProcessRunner.Result UdpEcho(NetnsFixture ns, IPAddress address, int port, int size, int count = 1) =>
        Python(ns, UdpEchoScript, address.ToString(), port.ToString(Inv), size.ToString(Inv), count.ToString(Inv));

    /// <summary>Sends <paramref name="total"/> bytes as datagrams of <paramref name="segmentSize"/> in one UDP_SEGMENT send and checks the echoed datagrams.</summary>
    public static ProcessRunner.Result UdpSegmentedEcho(NetnsFixture ns, IPAddress address, int port, int segmentSize, int total) =>
        Python(ns, UdpSegmentedEchoScript, address.ToString(), port.ToString(Inv), segmentSize.ToString(Inv), total.ToString(Inv));

    /// <summary>Streams <paramref name="bytes"/> through a TCP echo server and compares SHA-256 of sent and received data.</summary>
    public static ProcessRunner.Result TcpEcho(NetnsFixture ns, IPAddress address, int port, long bytes) =>
        Python(ns, TcpEchoScript, address.ToString(), port.ToString(Inv), bytes.ToString(Inv));

    /// <summary>As <see cref="TcpEcho(NetnsFixture, IPAddress, int, long)"/> with a longer safety net for big transfers.</summary>
    public static ProcessRunner.Result TcpEcho(NetnsFixture ns, IPAddress address, int port, long bytes, TimeSpan timeout) =>
        ns.Exec(timeout, null, "python3", ["-c", TcpEchoScript, address.ToString(), port.ToString(Inv), bytes.ToString(Inv)]);

    /// <summary>Tries to connect; prints "connected", "refused" or "error ...".</summary>
    public static ProcessRunner.Result TcpConnect(NetnsFixture ns, IPAddress address, int port) =>
        Python(ns, TcpConnectScript, address.ToString(), port.ToString(Inv));

    private static ProcessRunner.Result Python(NetnsFixture ns, string script, params string[] args) =>
        ns.Exec(TimeSpan.FromMinutes(5), null, "python3", ["-c", script, .. args]);

    private static readonly IFormatProvider Inv = System.Globalization.CultureInfo.InvariantCulture;
}
