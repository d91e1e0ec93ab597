using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// <see cref="TcpStream.Read(Span{byte})"/> and <see cref="TcpStream.Write(ReadOnlySpan{byte})"/> block the calling
/// thread on the connection's waiter, with <see cref="NetworkStream"/>'s contract: 0 at the end of the stream,
/// timeouts and errors as <see cref="IOException"/> wrapping a <see cref="SocketException"/>. Durations are only
/// ever checked from below (a wait lasts at least its timeout); the upper bounds are safety nets.
/// </summary>
public class TcpStreamSyncTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Task RunOnThread(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true };
        thread.Start();
        return done.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_megabyte_crosses_with_blocking_writes_and_reads_through_a_small_send_buffer()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync(new TcpEndpointOptions { SendBufferSize = 16 * 1024 });
        byte[] data = new byte[1 << 20];
        new Random(5).NextBytes(data);
        Task writing = RunOnThread(() =>
        {
            for (int offset = 0; offset < data.Length; offset += 100_000)
            {
                c.Client.Stream.Write(data, offset, Math.Min(100_000, data.Length - offset)); // waits for room many times
            }
            c.Client.ShutdownWrite();
        });
        var received = new MemoryStream();
        await RunOnThread(() =>
        {
            byte[] buffer = new byte[7000];
            int n;
            while ((n = c.Server.Stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                received.Write(buffer, 0, n);
            }
            Assert.Equal(0, c.Server.Stream.Read(buffer)); // the end of the stream stays the end
            Assert.Equal(-1, c.Server.Stream.ReadByte());
        });
        await writing;
        Assert.True(data.AsSpan().SequenceEqual(received.ToArray()));
    }

    [Fact]
    public async Task A_blocked_read_returns_what_arrives_and_single_bytes_work()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync();
        int got = 0;
        Task reading = RunOnThread(() => got = c.Server.Stream.ReadByte());
        c.Client.Stream.WriteByte(0x5a);
        await reading;
        Assert.Equal(0x5a, got);
    }

    [Fact]
    public async Task A_zero_byte_read_waits_for_data_without_taking_it()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync();
        int result = -1;
        Task reading = RunOnThread(() => result = c.Server.Stream.Read([]));
        await c.Client.Stream.WriteAsync("abc"u8.ToArray());
        await reading;
        Assert.Equal(0, result);
        Assert.Equal(3, c.Server.Stream.DataAvailable);
    }

    [Fact]
    public async Task ReadTimeout_fails_the_read_as_NetworkStream_does_and_the_connection_stays_usable()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync();
        TcpStream stream = c.Server.Stream;
        Assert.True(stream.CanTimeout);
        Assert.Equal(Timeout.Infinite, stream.ReadTimeout);
        stream.ReadTimeout = 100;
        IOException e = Assert.Throws<IOException>(() => stream.Read(new byte[10], 0, 10));
        Assert.Equal(SocketError.TimedOut, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);

        await c.Client.Stream.WriteAsync("after"u8.ToArray());
        byte[] buffer = new byte[10];
        int n = stream.Read(buffer, 0, buffer.Length); // the timed-out read left the waiter idle
        Assert.Equal("after"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
        await c.Client.Stream.WriteAsync("async"u8.ToArray());
        n = await stream.ReadAsync(buffer); // asynchronous reads still work after blocking ones
        Assert.Equal("async"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    public async Task WriteTimeout_fails_a_write_that_finds_no_room()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync(
            new TcpEndpointOptions { SendBufferSize = 16 * 1024 },
            new TcpEndpointOptions { ReceiveBufferSize = 16 * 1024, ReceiveBufferAutoTuning = false });
        TcpStream stream = c.Client.Stream;
        stream.WriteTimeout = 200;
        IOException e = Assert.Throws<IOException>(() => stream.Write(new byte[4 << 20])); // the server never reads
        Assert.Equal(SocketError.TimedOut, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task A_reset_wakes_a_blocked_read_with_the_error()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync();
        Exception? failure = null;
        using var blocked = new ManualResetEventSlim();
        Task reading = RunOnThread(() =>
        {
            blocked.Set();
            failure = Record.Exception(() => c.Server.Stream.Read(new byte[10]));
        });
        Assert.True(blocked.Wait(Patience));
        c.Client.Abort(); // RST
        await reading;
        IOException e = Assert.IsType<IOException>(failure);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task A_blocking_read_beside_a_pending_asynchronous_one_is_refused()
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync();
        using var cancel = new CancellationTokenSource();
        ValueTask<int> pending = c.Server.Stream.ReadAsync(new byte[10], cancel.Token);
        Assert.Throws<InvalidOperationException>(() => c.Server.Stream.Read(new byte[10]));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public async Task A_timeout_is_positive_or_infinite(int value)
    {
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync();
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Client.Stream.ReadTimeout = value);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Client.Stream.WriteTimeout = value);
        c.Client.Stream.WriteTimeout = Timeout.Infinite;
        Assert.Equal(Timeout.Infinite, c.Client.Stream.WriteTimeout);
    }
}
