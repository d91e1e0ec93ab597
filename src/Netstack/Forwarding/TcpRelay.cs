using System.Buffers;
using System.Net.Sockets;
using Netstack.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Carries one TCP connection between the stack and a host socket, both directions at once, until both have ended.
/// </summary>
/// <remarks>
/// Teardown keeps TCP's semantics across the two halves: a FIN becomes <c>shutdown(SHUT_WR)</c> on the other side
/// and the other direction keeps flowing (half-close); a reset on either side becomes a reset on the other (the stack
/// side by <see cref="TcpConnection.Abort"/>, the host side by closing with linger 0, which sends RST).
/// </remarks>
internal static class TcpRelay
{
    /// <param name="stop">Ends the relay with resets both ways (the forwarder is shutting down).</param>
    public static async Task RunAsync(TcpConnection connection, Socket host, int bufferSize, HostForwarderStatistics stats, CancellationToken stop)
    {
        // A reset on one side stops the other direction at once.
        using var reset = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task outbound = PumpToHostAsync(connection, host, bufferSize, stats, reset);
        Task inbound = PumpToStackAsync(host, connection, bufferSize, stats, reset);
        await Task.WhenAll(outbound, inbound).ConfigureAwait(false);
        if (reset.IsCancellationRequested)
        {
            connection.Abort();
            host.LingerState = new LingerOption(true, 0); // close sends RST
        }
        connection.Dispose();
        host.Dispose();
    }

    /// <summary>
    /// Stack → host: each read goes out in one send; the stack's EOF becomes SHUT_WR. An idle connection holds no
    /// buffer: a zero-byte read waits for data, and the buffer is rented only while data flows.
    /// </summary>
    private static async Task PumpToHostAsync(TcpConnection connection, Socket host, int bufferSize, HostForwarderStatistics stats, CancellationTokenSource reset)
    {
        try
        {
            while (true)
            {
                await connection.Stream.ReadAsync(Memory<byte>.Empty, reset.Token).ConfigureAwait(false);
                byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
                try
                {
                    do
                    {
                        int n = await connection.Stream.ReadAsync(buffer.AsMemory(0, bufferSize), reset.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            host.Shutdown(SocketShutdown.Send);
                            return;
                        }
                        Interlocked.Add(ref stats.BytesOut, n);
                        await host.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, reset.Token).ConfigureAwait(false);
                    }
                    while (connection.Stream.DataAvailable > 0);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reset.Cancel();
        }
    }

    /// <summary>
    /// Host → stack: each receive is written to the connection; the host's EOF becomes our FIN. Like the other
    /// direction, a zero-byte receive waits for data before a buffer is rented.
    /// </summary>
    private static async Task PumpToStackAsync(Socket host, TcpConnection connection, int bufferSize, HostForwarderStatistics stats, CancellationTokenSource reset)
    {
        try
        {
            while (true)
            {
                await host.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, reset.Token).ConfigureAwait(false);
                byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
                try
                {
                    do
                    {
                        int n = await host.ReceiveAsync(buffer.AsMemory(0, bufferSize), SocketFlags.None, reset.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            connection.ShutdownWrite();
                            return;
                        }
                        Interlocked.Add(ref stats.BytesIn, n);
                        await connection.Stream.WriteAsync(buffer.AsMemory(0, n), reset.Token).ConfigureAwait(false);
                    }
                    while (host.Available > 0);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reset.Cancel();
        }
    }
}
