using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>The public API (ListenTcp / ConnectTcpAsync / TcpStream) driven by async code while the test thread pumps the links.</summary>
public class TcpSocketApiTests
{
    private static readonly IPEndPoint ServerEndPoint = new(IPAddress.Parse("10.9.0.2"), 80);

    /// <summary>Pumps the links and advances the fake clock 1 ms whenever nothing moved, until the task ends.</summary>
    /// <summary>
    /// Pumps the links and moves the fake clock until <paramref name="task"/> completes. The application side
    /// runs on thread-pool threads, which a busy test run can starve for a while, so the budget is generous
    /// real time rather than a step count; the fake clock moves 1 ms per 16 idle steps either way.
    /// </summary>
    private static T Drive<T>(TcpPair p, Task<T> task)
    {
        long deadline = Environment.TickCount64 + 60_000;
        for (int i = 0; !task.IsCompleted && Environment.TickCount64 < deadline; i++)
        {
            p.Pump();
            if (!task.IsCompleted)
            {
                Thread.Yield();
                if (i % 16 == 15)
                {
                    p.Clock.Advance(TimeSpan.FromMilliseconds(1));
                }
            }
        }
        Assert.True(task.IsCompleted, "the operation did not complete");
        return task.GetAwaiter().GetResult();
    }

    private static void Drive(TcpPair p, Task task) => Drive(p, task.ContinueWith(t => { t.GetAwaiter().GetResult(); return 0; }, TaskScheduler.Default));

    [Fact]
    public void A_zero_byte_read_waits_for_data_and_takes_none()
    {
        using var p = new TcpPair();
        TcpConnectionListener listener = p.B.ListenTcp(ServerEndPoint);
        Task<TcpConnection> accepting = listener.AcceptAsync().AsTask();
        TcpConnection client = Drive(p, p.A.ConnectTcpAsync(ServerEndPoint).AsTask());
        TcpConnection server = Drive(p, accepting);

        ValueTask<int> waiting = server.Stream.ReadAsync(Memory<byte>.Empty);
        p.Pump();
        Assert.False(waiting.IsCompleted); // nothing to read yet: it waits, as a socket's zero-byte receive does
        Drive(p, client.Stream.WriteAsync(new byte[] { 1, 2, 3 }).AsTask());
        Assert.Equal(0, Drive(p, waiting.AsTask()));
        Assert.Equal(3, server.Stream.DataAvailable); // and took nothing

        client.ShutdownWrite();
        byte[] buffer = new byte[10];
        Assert.Equal(3, Drive(p, server.Stream.ReadAsync(buffer).AsTask()));
        Assert.Equal(0, Drive(p, server.Stream.ReadAsync(Memory<byte>.Empty).AsTask())); // the end: completes too
        Assert.Equal(0, Drive(p, server.Stream.ReadAsync(buffer).AsTask()));
    }

    [Fact]
    public void Echo_ThroughStreams()
    {
        using var p = new TcpPair();
        byte[] payload = new byte[200_000];
        new Random(5).NextBytes(payload);
        TcpConnectionListener listener = p.B.ListenTcp(ServerEndPoint);
        Task server = Task.Run(async () =>
        {
            await using TcpConnection c = await listener.AcceptAsync();
            var buffer = new byte[8192];
            int n;
            while ((n = await c.Stream.ReadAsync(buffer)) > 0)
            {
                await c.Stream.WriteAsync(buffer.AsMemory(0, n));
            }
        });
        Task<byte[]> client = Task.Run(async () =>
        {
            await using TcpConnection c = await p.A.ConnectTcpAsync(ServerEndPoint);
            Assert.Equal(ServerEndPoint, c.RemoteEndPoint);
            Task write = Task.Run(async () =>
            {
                await c.Stream.WriteAsync(payload);
                c.ShutdownWrite();
            });
            var received = new MemoryStream();
            await c.Stream.CopyToAsync(received);
            await write;
            return received.ToArray();
        });
        byte[] echoed = Drive(p, client);
        Drive(p, server);
        Assert.Equal(payload, echoed);
        listener.Dispose();
        p.Run(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(1));
        Assert.Equal(0, p.TcpA.ConnectionCount);
        Assert.Equal(0, p.TcpB.ConnectionCount);
    }

    [Fact]
    public void Connect_Refused_ThrowsSocketException()
    {
        using var p = new TcpPair();
        _ = p.B.GetTcp();
        var ex = Assert.Throws<SocketException>(() => Drive(p, p.A.ConnectTcpAsync(ServerEndPoint).AsTask()));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }

    [Fact]
    public void Connect_Refused_ByAStackThatNeverUsedTcp()
    {
        // TCP is registered when the stack is built, so a closed port answers RST even before any socket exists.
        using var p = new TcpPair();
        var ex = Assert.Throws<SocketException>(() => Drive(p, p.A.ConnectTcpAsync(ServerEndPoint).AsTask()));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        Assert.Equal(1, p.B.GetTcp().Statistics.OutRsts);
    }

    [Fact]
    public void Connect_Timeout_ThrowsTimedOut()
    {
        using var p = new TcpPair(aToB: new Impairment(Loss: 1.0));
        var ex = Assert.Throws<SocketException>(() => Drive(p, p.A.ConnectTcpAsync(ServerEndPoint, TimeSpan.FromSeconds(5)).AsTask()));
        Assert.Equal(SocketError.TimedOut, ex.SocketErrorCode);
        Assert.Equal(0, p.TcpA.ConnectionCount);
    }

    [Fact]
    public void Connect_Canceled_ThrowsOperationCanceled()
    {
        using var p = new TcpPair(aToB: new Impairment(Loss: 1.0));
        using var cts = new CancellationTokenSource();
        Task<TcpConnection> connect = p.A.ConnectTcpAsync(ServerEndPoint, cts.Token).AsTask();
        p.Pump();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Drive(p, connect));
        Assert.Equal(0, p.TcpA.ConnectionCount);
    }

    [Fact]
    public void ListenTwiceOnOnePort_AddressAlreadyInUse()
    {
        using var p = new TcpPair();
        using TcpConnectionListener first = p.B.ListenTcp(ServerEndPoint);
        var ex = Assert.Throws<SocketException>(() => p.B.ListenTcp(ServerEndPoint));
        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
    }

    [Fact]
    public void Read_AfterPeerReset_ThrowsIOExceptionWithConnectionReset()
    {
        using var p = new TcpPair();
        TcpConnectionListener listener = p.B.ListenTcp(ServerEndPoint);
        Task<TcpConnection> accept = listener.AcceptAsync().AsTask();
        TcpConnection client = Drive(p, p.A.ConnectTcpAsync(ServerEndPoint).AsTask());
        TcpConnection server = Drive(p, accept);
        Task<int> read = server.Stream.ReadAsync(new byte[10]).AsTask();
        client.Abort();
        var ex = Assert.Throws<IOException>(() => Drive(p, read));
        Assert.Equal(SocketError.ConnectionReset, ((SocketException)ex.InnerException!).SocketErrorCode);
        server.Dispose();
        listener.Dispose();
    }

    [Fact]
    public void OverlappingReads_AreRejected_AndCancellationHonoured()
    {
        using var p = new TcpPair();
        TcpConnectionListener listener = p.B.ListenTcp(ServerEndPoint);
        Task<TcpConnection> accept = listener.AcceptAsync().AsTask();
        TcpConnection client = Drive(p, p.A.ConnectTcpAsync(ServerEndPoint).AsTask());
        TcpConnection server = Drive(p, accept);
        using var cts = new CancellationTokenSource();
        ValueTask<int> first = server.Stream.ReadAsync(new byte[10], cts.Token);
        Assert.False(first.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => server.Stream.ReadAsync(new byte[10]).AsTask().GetAwaiter().GetResult());
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Drive(p, first.AsTask()));
        // The stream still works after a canceled read.
        Task<int> second = server.Stream.ReadAsync(new byte[10]).AsTask();
        client.Stream.Write([1, 2, 3], 0, 3);
        Assert.Equal(3, Drive(p, second));
        client.Dispose();
        server.Dispose();
        listener.Dispose();
        p.Run(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void GetInfo_ReportsNegotiatedState()
    {
        using var p = new TcpPair();
        TcpConnectionListener listener = p.B.ListenTcp(ServerEndPoint);
        Task<TcpConnection> accept = listener.AcceptAsync().AsTask();
        TcpConnection client = Drive(p, p.A.ConnectTcpAsync(ServerEndPoint).AsTask());
        TcpConnection server = Drive(p, accept);
        client.NoDelay = true;
        client.KeepAlive = true;
        TcpInfo info = client.GetInfo();
        Assert.Equal(TcpConnectionState.Established, info.State);
        Assert.Equal("cubic", info.CongestionControl);
        Assert.True(info.CongestionWindow >= 10 * 1448u);
        Assert.True(info.Sack && info.Timestamps);
        Assert.True(info.ReceiveWindowScale > 0);
        Assert.Equal(1448, info.SendMss);
        client.Abort();
        server.Dispose();
        listener.Dispose();
        p.Pump();
    }
}

public class TcpDisposeTests
{
    [Fact]
    public void Dispose_EndsAPendingRead()
    {
        using var p = new TcpPair();
        TcpConnectionListener listener = p.B.ListenTcp(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 80));
        TcpEndpoint client = p.TcpA.Connect(TcpPair.B4, 80, out _);
        p.Pump();
        TcpEndpoint server = listener.Socket.TryAccept(false, out _)!;
        var connection = new TcpConnection(client);
        Task<int> read = connection.Stream.ReadAsync(new byte[10]).AsTask();
        Assert.False(read.IsCompleted);
        connection.Dispose();
        var ex = Assert.ThrowsAny<IOException>(() => read.GetAwaiter().GetResult());
        Assert.Equal(SocketError.OperationAborted, ((SocketException)ex.InnerException!).SocketErrorCode);
        server.Abort();
        p.Pump();
        listener.Dispose();
    }
}

public class TcpSyncStreamTests
{
    [Fact]
    public void SyncReadAndWrite_Work()
    {
        using var p = new TcpPair();
        TcpConnectionListener listener = p.B.ListenTcp(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 80));
        TcpEndpoint client = p.TcpA.Connect(TcpPair.B4, 80, out _);
        p.Pump();
        TcpEndpoint server = listener.Socket.TryAccept(false, out _)!;
        using var c = new TcpConnection(client);
        using var s = new TcpConnection(server);
        c.Stream.Write("ping"u8);
        p.Pump();
        Span<byte> buffer = stackalloc byte[16];
        int n = s.Stream.Read(buffer);
        Assert.Equal("ping"u8.ToArray(), buffer[..n].ToArray());
        c.ShutdownWrite();
        p.Pump();
        Assert.Equal(0, s.Stream.Read(buffer));
        listener.Dispose();
    }
}
