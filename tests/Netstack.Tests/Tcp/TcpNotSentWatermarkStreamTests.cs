using System.Diagnostics;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// TCP_NOTSENT_LOWAT through <see cref="Netstack.Sockets.TcpStream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>:
/// a large write waits while the unsent bytes are at the watermark, whatever room the send buffer has, and completes once
/// the peer reads. Real threads and clock; only bounds on bytes are asserted, never durations.
/// </summary>
public class TcpNotSentWatermarkStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // a safety net only

    [Fact]
    public async Task A_large_write_keeps_little_unsent_and_completes_when_the_peer_reads()
    {
        const int watermark = 4096;
        await using ConnectedStreams c = await ConnectedStreams.CreateAsync(
            new TcpEndpointOptions { NotSentLowWatermark = watermark, SendBufferSize = 1 << 20 },
            new TcpEndpointOptions { ReceiveBufferSize = 64 * 1024, ReceiveBufferAutoTuning = false });
        byte[] data = new byte[1 << 20];
        new Random(3).NextBytes(data);
        Task writing = c.Client.Stream.WriteAsync(data).AsTask();
        var clock = Stopwatch.StartNew();
        while (c.Server.Endpoint.Available < 60 * 1024) // the server reads nothing yet: its window closes
        {
            Assert.True(clock.Elapsed < Patience, "the data did not arrive");
            await Task.Delay(5);
        }
        for (int i = 0; i < 5; i++)
        {
            await Task.Delay(10);
            TcpInfo info = c.Client.GetInfo();
            long notSent = info.SendBufferBytes - info.BytesInFlight;
            Assert.False(writing.IsCompleted);
            // Below the watermark plus one send chunk (at most half the peer's 64 KiB window); 1 MiB of buffer unused.
            Assert.InRange(notSent, 0, watermark + 32 * 1024);
            Assert.True(info.SendBufferBytes < 200 * 1024, $"send buffer holds {info.SendBufferBytes}");
        }
        var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        while (received.Length < data.Length)
        {
            int n = await c.Server.Stream.ReadAsync(buffer).AsTask().WaitAsync(Patience);
            Assert.True(n > 0);
            received.Write(buffer, 0, n);
        }
        await writing.WaitAsync(Patience);
        Assert.True(data.AsSpan().SequenceEqual(received.ToArray()));
    }
}
