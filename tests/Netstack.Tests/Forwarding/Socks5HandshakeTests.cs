using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Forwarding;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// <see cref="Socks5Dialer"/>'s CONNECT handshake byte by byte against <see cref="ScriptedSocks5Proxy"/>: what it
/// sends (RFC 1928 §3, §4; RFC 1929 §2) and how it takes every reply (§6), including refusals and truncations.
/// </summary>
public sealed class Socks5HandshakeTests
{
    private static readonly IPEndPoint Destination = new(IPAddress.Loopback, 8080);
    private static readonly IPEndPoint Destination6 = new(IPAddress.IPv6Loopback, 443);

    /// <summary>VER 5, one method: no authentication.</summary>
    private static readonly byte[] GreetingNoAuth = [5, 1, 0];

    /// <summary>CONNECT 127.0.0.1:8080 (port 0x1f90).</summary>
    private static readonly byte[] ConnectV4 = [5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90];

    /// <summary>Success, bound 127.0.0.1:1080.</summary>
    private static readonly byte[] Success = [5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0x38];

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Fact]
    public async Task ConnectIPv4WithoutAuthenticationSendsTheRfc1928BytesAndReturnsTheRelayedConnection()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(ConnectV4);
            await c.WriteAsync(Success);
            // From here the proxy relays: what it writes is the destination's data.
            await c.WriteAsync("hello"u8.ToArray());
            await c.ExpectAsync("world"u8.ToArray());
        });
        var dialer = new Socks5Dialer(proxy.EndPoint);

        using Socket socket = await dialer.ConnectTcpAsync(Destination, Timeout);

        byte[] hello = new byte[5];
        await ReadExactlyAsync(socket, hello);
        Assert.Equal("hello", Encoding.ASCII.GetString(hello));
        await socket.SendAsync("world"u8.ToArray(), SocketFlags.None);
        await proxy.Completion.WaitAsync(Timeout);
        Assert.True(socket.NoDelay);
    }

    [Fact]
    public async Task ConnectIPv6UsesAddressType4AndAcceptsAnIPv6Reply()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync([5, 1, 0, 4, .. IPAddress.IPv6Loopback.GetAddressBytes(), 0x01, 0xbb]);
            await c.WriteAsync([5, 0, 0, 4, .. IPAddress.IPv6Loopback.GetAddressBytes(), 0x04, 0x38, .. "x"u8]);
        });

        using Socket socket = await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination6, Timeout);

        // The reply was read to its exact end: the next byte is relayed data, not left-over reply.
        byte[] x = new byte[1];
        await ReadExactlyAsync(socket, x);
        Assert.Equal((byte)'x', x[0]);
        await proxy.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task AnIPv4MappedDestinationIsSentAsIPv4()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(ConnectV4);
            await c.WriteAsync(Success);
        });

        using Socket socket = await new Socks5Dialer(proxy.EndPoint)
            .ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), 8080), Timeout);
        await proxy.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ABoundAddressGivenAsADomainNameIsReadToItsEnd()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(ConnectV4);
            await c.WriteAsync([5, 0, 0, 3, 9, .. "localhost"u8, 0x04, 0x38, .. "y"u8]);
        });

        using Socket socket = await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, Timeout);

        byte[] y = new byte[1];
        await ReadExactlyAsync(socket, y);
        Assert.Equal((byte)'y', y[0]);
    }

    [Theory]
    [InlineData(0x01, SocketError.SocketError)]
    [InlineData(0x02, SocketError.AccessDenied)]
    [InlineData(0x03, SocketError.NetworkUnreachable)]
    [InlineData(0x04, SocketError.HostUnreachable)]
    [InlineData(0x05, SocketError.ConnectionRefused)]
    [InlineData(0x06, SocketError.TimedOut)]
    [InlineData(0x07, SocketError.OperationNotSupported)]
    [InlineData(0x08, SocketError.AddressFamilyNotSupported)]
    [InlineData(0x09, SocketError.SocketError)]
    [InlineData(0xFF, SocketError.SocketError)]
    public async Task EveryReplyCodeBecomesTheSocketErrorAConnectWouldGive(byte reply, SocketError expected)
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(ConnectV4);
            // RFC 1928 §6: the server closes soon after a failure reply; the rest of the reply is still sent here.
            await c.WriteAsync(5, reply, 0, 1, 0, 0, 0, 0, 0, 0);
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(
            async () => await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, Timeout));

        Assert.Equal(expected, e.SocketErrorCode);
        Assert.Contains($"0x{reply:x2}", e.Message, StringComparison.Ordinal);
        // The dialer closed its connection to the proxy.
        await proxy.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ARefusalIsReportedEvenWhenTheProxyClosesAfterTheFirstFourBytes()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(ConnectV4);
            await c.WriteAsync(5, 5, 0, 1);
            c.Socket.Shutdown(SocketShutdown.Send);
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(
            async () => await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, Timeout));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    /// <summary>The proxy closes after <paramref name="methodBytes"/> bytes of the method reply, or after <paramref name="replyBytes"/> of the CONNECT reply.</summary>
    [Theory]
    [InlineData(0, -1)]
    [InlineData(1, -1)]
    [InlineData(2, 0)]
    [InlineData(2, 3)]
    [InlineData(2, 4)]
    [InlineData(2, 7)]
    [InlineData(2, 9)]
    public async Task ATruncatedReplyFailsWithConnectionReset(int methodBytes, int replyBytes)
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(new byte[] { 5, 0 }[..methodBytes]);
            if (replyBytes >= 0)
            {
                await c.ExpectAsync(ConnectV4);
                await c.WriteAsync(Success[..replyBytes]);
            }
            c.Socket.Shutdown(SocketShutdown.Send);
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(
            async () => await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, Timeout));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        Assert.Contains("closed the connection during the handshake", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 4, 0 }, new byte[0])]                        // SOCKS4-style version in the method reply
    [InlineData(new byte[] { 5, 2 }, new byte[0])]                        // username/password chosen but not offered
    [InlineData(new byte[] { 5, 0 }, new byte[] { 4, 0, 0, 1 })]          // wrong version in the CONNECT reply
    [InlineData(new byte[] { 5, 0 }, new byte[] { 5, 0, 0, 9, 0, 0 })]    // unknown address type
    public async Task AReplyThatBreaksTheProtocolFailsWithProtocolNotSupported(byte[] methodReply, byte[] connectReply)
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(methodReply);
            if (connectReply.Length > 0)
            {
                await c.ExpectAsync(ConnectV4);
                await c.WriteAsync(connectReply);
            }
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(
            async () => await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, Timeout));
        Assert.Equal(SocketError.ProtocolNotSupported, e.SocketErrorCode);
    }

    [Fact]
    public async Task UsernamePasswordIsOfferedAndSentAsRfc1929Says()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(5, 2, 0, 2);
            await c.WriteAsync(5, 2);
            await c.ExpectAsync([1, 5, .. "alice"u8, 6, .. "s3cr:t"u8]);
            await c.WriteAsync(1, 0);
            await c.ExpectAsync(ConnectV4);
            await c.WriteAsync(Success);
        });

        using Socket socket = await new Socks5Dialer(proxy.EndPoint, new NetworkCredential("alice", "s3cr:t"))
            .ConnectTcpAsync(Destination, Timeout);
        await proxy.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task WithACredentialAProxyThatNeedsNoAuthenticationIsNotAskedForIt()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(5, 2, 0, 2);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(ConnectV4);
            await c.WriteAsync(Success);
        });

        using Socket socket = await new Socks5Dialer(proxy.EndPoint, new NetworkCredential("alice", "pw"))
            .ConnectTcpAsync(Destination, Timeout);
        await proxy.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ARejectedPasswordFailsWithAccessDenied()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(5, 2, 0, 2);
            await c.WriteAsync(5, 2);
            await c.ExpectAsync([1, 5, .. "alice"u8, 5, .. "wrong"u8]);
            await c.WriteAsync(1, 1);
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(proxy.EndPoint, new NetworkCredential("alice", "wrong")).ConnectTcpAsync(Destination, Timeout));
        Assert.Equal(SocketError.AccessDenied, e.SocketErrorCode);
        Assert.Contains("rejected user 'alice'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoAcceptableMethodFailsWithAccessDenied()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WriteAsync(5, 0xFF);
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(
            async () => await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, Timeout));
        Assert.Equal(SocketError.AccessDenied, e.SocketErrorCode);
    }

    [Fact]
    public async Task AProxyThatNeverRepliesTimesOutAfterTheHandshakeTimeout()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WaitForCloseAsync();
        });
        var dialer = new Socks5Dialer(proxy.EndPoint) { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        SocketException e = await Assert.ThrowsAsync<SocketException>(
            async () => await dialer.ConnectTcpAsync(Destination, Timeout));

        Assert.Equal(SocketError.TimedOut, e.SocketErrorCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        await proxy.Completion.WaitAsync(Timeout); // the dialer closed the connection
    }

    [Fact]
    public async Task TheCallersCancellationIsAnOperationCanceledException()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(GreetingNoAuth);
            await c.WaitForCloseAsync();
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await new Socks5Dialer(proxy.EndPoint).ConnectTcpAsync(Destination, cancel.Token));
    }

    [Fact]
    public async Task AProxyThatIsDownRefusesLikeADestination()
    {
        // A port that was just free: bound and closed, so nothing listens there.
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(new IPEndPoint(IPAddress.Loopback, port)).ConnectTcpAsync(Destination, Timeout));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        Assert.StartsWith("SOCKS5 proxy 127.0.0.1:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "pw")]
    [InlineData("user", "")]
    public void AnEmptyUserOrPasswordIsRejectedAtConstruction(string user, string password) =>
        Assert.Throws<ArgumentException>(() => new Socks5Dialer(new IPEndPoint(IPAddress.Loopback, 1080), new NetworkCredential(user, password)));

    internal static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, Timeout);
            Assert.True(n > 0, "unexpected EOF");
            read += n;
        }
    }
}
