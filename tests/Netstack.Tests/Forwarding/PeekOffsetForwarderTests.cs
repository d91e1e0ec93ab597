using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Xunit.Abstractions;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// Host → stack TCP on the peek path (<see cref="HostForwarderOptions.PeekOffset"/>): the forwarder's endpoint sends
/// straight from the host socket's receive queue. Stack A plays the namespace, stack B the forwarder; host services
/// listen on 127.0.0.1 only. Timings and allocation totals are printed, not asserted.
/// </summary>
public sealed class PeekOffsetForwarderTests(ITestOutputHelper output)
{
    private static readonly IPAddress Gateway = ForwarderPair.Gateway;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    [Fact]
    public void The_kernel_supports_SO_PEEK_OFF_on_tcp_sockets_so_the_option_defaults_on()
    {
        Assert.True(HostSocketSendSource.IsSupported, "Linux 6.10+ supports SO_PEEK_OFF on TCP; this machine runs " + Environment.OSVersion);
        Assert.True(new HostForwarderOptions { Dialer = new DirectDialer() }.PeekOffset);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_hundred_megabytes_from_the_host_arrive_intact(bool peekOffset)
    {
        await using var pair = new ForwarderPair(peekOffset);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        await using var _ = client;
        using var __ = host;
        const int Size = 100 * 1024 * 1024;
        byte[] chunk = RandomNumberGenerator.GetBytes(1 << 20);
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < Size / chunk.Length; i++)
        {
            expected.AppendData(chunk);
        }

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        Task sending = Task.Run(async () =>
        {
            for (int i = 0; i < Size / chunk.Length; i++)
            {
                await host.SendAsync(chunk, SocketFlags.None, Timeout);
            }
            host.Shutdown(SocketShutdown.Send);
        });
        (long count, byte[] hash) = await HashToEndAsync(client.Stream);
        watch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await sending;

        Assert.Equal(Size, count);
        Assert.Equal(expected.GetHashAndReset(), hash);
        Assert.Equal(peekOffset ? 1 : 0, pair.Forwarder.GetStatistics().TcpPeekConnections);
        output.WriteLine($"peek={peekOffset}: {Size / 1e6:F0} MB host → stack in {watch.Elapsed.TotalMilliseconds:F0} ms = {Size * 8 / watch.Elapsed.TotalSeconds / 1e9:F2} Gbit/s; " +
            $"{allocated / 1024} KiB allocated by the process meanwhile (test's reader included)");
    }

    [Fact]
    public async Task Half_close_works_both_ways_the_host_first()
    {
        await using var pair = new ForwarderPair(peekOffset: true);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        await using var _ = client;
        using var __ = host;
        byte[] down = RandomNumberGenerator.GetBytes(300_000);
        byte[] up = RandomNumberGenerator.GetBytes(200_000);

        await host.SendAsync(down, SocketFlags.None, Timeout);
        host.Shutdown(SocketShutdown.Send);
        Assert.Equal(down, await ReadToEnd.FromAsync(client.Stream, Timeout)); // our FIN followed the last peeked byte

        await client.Stream.WriteAsync(up, Timeout); // the other direction still flows
        client.ShutdownWrite();
        Assert.Equal(up, await ReadToEnd.FromAsync(host, Timeout));
    }

    [Fact]
    public async Task Half_close_works_both_ways_the_namespace_first()
    {
        await using var pair = new ForwarderPair(peekOffset: true);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        await using var _ = client;
        using var __ = host;
        byte[] up = RandomNumberGenerator.GetBytes(200_000);
        byte[] down = RandomNumberGenerator.GetBytes(300_000);

        await client.Stream.WriteAsync(up, Timeout);
        client.ShutdownWrite();
        Assert.Equal(up, await ReadToEnd.FromAsync(host, Timeout));

        await host.SendAsync(down, SocketFlags.None, Timeout);
        host.Shutdown(SocketShutdown.Send);
        Assert.Equal(down, await ReadToEnd.FromAsync(client.Stream, Timeout));
    }

    [Fact]
    public async Task Small_messages_with_pauses_arrive_intact_across_drain_and_readiness_cycles()
    {
        // Each message is acknowledged before the next is written, so the relay waits for readability every time;
        // the runtime's zero-byte receive peeks one byte (moving SO_PEEK_OFF), which must not shift our copies.
        await using var pair = new ForwarderPair(peekOffset: true);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        await using var _ = client;
        using var __ = host;
        byte[] buffer = new byte[64];
        for (int i = 0; i < 8; i++)
        {
            byte[] message = RandomNumberGenerator.GetBytes(1 + (i % 7));
            await host.SendAsync(message, SocketFlags.None, Timeout);
            await client.Stream.ReadExactlyAsync(buffer.AsMemory(0, message.Length), Timeout);
            Assert.Equal(message, buffer.AsSpan(0, message.Length).ToArray());
            await Task.Delay(250); // past the namespace's delayed ACK: the forwarder's queue drains before the next write
        }
    }

    [Fact]
    public async Task A_namespace_reader_that_pauses_closes_the_window_and_then_gets_everything()
    {
        await using var pair = new ForwarderPair(peekOffset: true);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        await using var _ = client;
        using var __ = host;
        byte[] down = RandomNumberGenerator.GetBytes(8 << 20);
        Task sending = Task.Run(async () =>
        {
            await host.SendAsync(down, SocketFlags.None, Timeout);
            host.Shutdown(SocketShutdown.Send);
        });
        await Task.Delay(500); // the namespace's receive buffer fills; the rest waits in the host socket's queue
        Assert.Equal(down, await ReadToEnd.FromAsync(client.Stream, Timeout));
        await sending;
    }

    [Fact]
    public async Task A_reset_by_the_host_with_bytes_held_resets_the_namespace_side()
    {
        await using var pair = new ForwarderPair(peekOffset: true);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        await using var _ = client;
        // More than the path holds while the namespace does not read: the host's send is still pending at the reset.
        Task sending = host.SendAsync(RandomNumberGenerator.GetBytes(16 << 20), SocketFlags.None, Timeout).AsTask();
        byte[] first = new byte[100_000];
        await client.Stream.ReadExactlyAsync(first, Timeout);
        host.LingerState = new LingerOption(true, 0);
        host.Dispose(); // RST, with bytes still in the forwarder's host socket queue and in flight
        await Assert.ThrowsAnyAsync<Exception>(() => sending);
        // The reset must arrive, not a hang: a read still waiting after 5 s is cancelled, which is not the IOException.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            byte[] buffer = new byte[65536];
            while (await client.Stream.ReadAsync(buffer, bound.Token) > 0)
            {
            }
        });
    }

    [Fact]
    public async Task A_reset_by_the_namespace_resets_the_host_side()
    {
        await using var pair = new ForwarderPair(peekOffset: true);
        (TcpConnection client, Socket host) = await pair.ConnectAsync(Timeout);
        using var __ = host;
        await host.SendAsync(RandomNumberGenerator.GetBytes(100_000), SocketFlags.None, Timeout);
        client.Abort();
        await client.DisposeAsync();
        await Assert.ThrowsAsync<SocketException>(async () =>
        {
            byte[] buffer = new byte[65536];
            while (true)
            {
                await host.SendAsync(buffer, SocketFlags.None, Timeout);
            }
        });
    }

    private static async Task<(long Count, byte[] Hash)> HashToEndAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256 * 1024];
        long count = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, Timeout)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            count += n;
        }
        return (count, hash.GetHashAndReset());
    }
}
