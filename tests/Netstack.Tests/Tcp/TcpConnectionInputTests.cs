using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// <see cref="TcpConnection.Input"/>: a <see cref="PipeReader"/> that lends the received packet buffers. Everything
/// runs on the test thread with a manual clock; reads use <see cref="PipeReader.TryRead"/> between pumps.
/// </summary>
public class TcpConnectionInputTests
{
    /// <summary>An established pair: <see cref="Client"/> is A's endpoint, <see cref="Connection"/> B's side as a <see cref="TcpConnection"/>.</summary>
    private sealed class Connected : IDisposable
    {
        private readonly TcpConnectionListener _listener;

        public Connected(TcpEndpointOptions? serverOptions = null)
        {
            (Client, TcpEndpoint server, _listener) = Pair.Connect(serverOptions: serverOptions);
            Connection = new TcpConnection(server);
        }

        public TcpPair Pair { get; } = new();

        public TcpEndpoint Client { get; }

        public TcpConnection Connection { get; }

        public void Dispose()
        {
            Connection.Dispose();
            _listener.Dispose();
            Pair.Dispose();
        }
    }

    private static byte[] Pattern(int length)
    {
        byte[] data = new byte[length];
        new Random(11).NextBytes(data);
        return data;
    }

    [Fact]
    public void Reads_lend_the_bytes_in_order_and_complete_after_the_peers_fin()
    {
        using var c = new Connected();
        (TcpPair pair, TcpEndpoint client, TcpConnection connection) = (c.Pair, c.Client, c.Connection);
        PipeReader input = connection.Input;
        byte[] data = Pattern(300_000);
        var received = new MemoryStream();
        bool completed = false;
        int reads = 0;
        bool finished = pair.Drive(client, data, close: true,
            read: () =>
            {
                if (!input.TryRead(out ReadResult result))
                {
                    return false;
                }
                reads++;
                foreach (ReadOnlyMemory<byte> piece in result.Buffer)
                {
                    received.Write(piece.Span);
                }
                input.AdvanceTo(result.Buffer.End);
                completed = result.IsCompleted;
                return true;
            },
            done: () => completed);
        Assert.True(finished, "the transfer stalled");
        Assert.Equal(data, received.ToArray());
        Assert.True(reads < data.Length / 1460, $"{reads} reads: each read should lend everything queued, several segments at once");
        Assert.Same(input, connection.Input);
    }

    [Fact]
    public void Unconsumed_bytes_stay_in_tcp_and_hold_the_window_until_consumed()
    {
        using var c = new Connected(new TcpEndpointOptions { ReceiveBufferSize = 32 * 1024, ReceiveBufferAutoTuning = false });
        (TcpPair pair, TcpEndpoint client, TcpConnection connection) = (c.Pair, c.Client, c.Connection);
        PipeReader input = connection.Input;
        byte[] data = Pattern(200_000);
        int sent = client.Send(data, false, out SocketError error);
        Assert.Equal(SocketError.Success, error);
        pair.Run(TimeSpan.FromSeconds(2));

        // Neither consumed nor examined: the bytes stay queued, the window stays shut, and the next read lends them again.
        Assert.True(input.TryRead(out ReadResult first));
        long held = first.Buffer.Length;
        Assert.InRange(held, 1, 32 * 1024);
        input.AdvanceTo(first.Buffer.Start);
        pair.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(held, connection.GetInfo().ReceiveQueueBytes);

        // Consumed: the window opens and more arrives, starting right after what was consumed.
        Assert.True(input.TryRead(out ReadResult again));
        Assert.Equal(held, again.Buffer.Length);
        Assert.Equal(data.AsSpan(0, (int)held).ToArray(), again.Buffer.ToArray());
        input.AdvanceTo(again.Buffer.End);
        client.Send(data.AsSpan(sent), false, out _);
        pair.Run(TimeSpan.FromSeconds(2));
        Assert.True(input.TryRead(out ReadResult next));
        Assert.Equal(data.AsSpan((int)held, (int)next.Buffer.Length).ToArray(), next.Buffer.ToArray());
        input.AdvanceTo(next.Buffer.End);
    }

    [Fact]
    public void A_read_after_examining_everything_waits_for_bytes_beyond_it()
    {
        using var c = new Connected();
        (TcpPair pair, TcpEndpoint client, TcpConnection connection) = (c.Pair, c.Client, c.Connection);
        PipeReader input = connection.Input;
        client.Send("abc"u8, false, out _);
        pair.Pump();
        Assert.True(input.TryRead(out ReadResult abc));
        input.AdvanceTo(abc.Buffer.Start, abc.Buffer.End);
        Assert.False(input.TryRead(out _));
        client.Send("def"u8, false, out _);
        pair.Pump();
        Assert.True(input.TryRead(out ReadResult abcdef));
        Assert.Equal("abcdef"u8.ToArray(), abcdef.Buffer.ToArray());
        input.AdvanceTo(abcdef.Buffer.End);
    }

    [Fact]
    public void Once_the_input_is_used_the_stream_cannot_be_read_but_still_writes()
    {
        using var c = new Connected();
        (TcpPair pair, TcpEndpoint client, TcpConnection connection) = (c.Pair, c.Client, c.Connection);
        _ = connection.Input;
        Assert.Throws<InvalidOperationException>(() => connection.Stream.Read(new byte[10]));
        Assert.Throws<InvalidOperationException>(() => connection.Stream.ReadAsync(new byte[10]).AsTask().GetAwaiter().GetResult());
        connection.Stream.Write("reply"u8);
        pair.Pump();
        byte[] buffer = new byte[16];
        Assert.Equal(5, client.Receive(buffer, false, out _, out _));
    }

    [Fact]
    public void A_reset_throws_an_io_exception_wrapping_connection_reset()
    {
        using var c = new Connected();
        (TcpPair pair, TcpEndpoint client, TcpConnection connection) = (c.Pair, c.Client, c.Connection);
        client.Abort();
        pair.Pump();
        IOException e = Assert.Throws<IOException>(() => connection.Input.TryRead(out _));
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task A_waiting_read_completes_when_data_arrives_and_ends_when_the_connection_is_disposed()
    {
        using var c = new Connected();
        (TcpPair pair, TcpEndpoint client, TcpConnection connection) = (c.Pair, c.Client, c.Connection);
        PipeReader input = connection.Input;

        ValueTask<ReadResult> waiting = input.ReadAsync();
        Assert.False(waiting.IsCompleted);
        client.Send("hello"u8, false, out _);
        pair.Pump();
        ReadResult hello = await waiting;
        Assert.Equal("hello"u8.ToArray(), hello.Buffer.ToArray());
        input.AdvanceTo(hello.Buffer.End);

        ValueTask<ReadResult> pending = input.ReadAsync();
        connection.Dispose();
        pair.Pump();
        ReadResult end = await pending;
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
        input.AdvanceTo(end.Buffer.End);
        input.Complete();
    }
}
