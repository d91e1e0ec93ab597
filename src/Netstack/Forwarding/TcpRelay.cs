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
    /// <param name="peekOffset">Host → stack over <see cref="HostSocketSendSource"/> where the kernel supports it.</param>
    /// <param name="stop">Ends the relay with resets both ways (the forwarder is shutting down).</param>
    public static async Task RunAsync(TcpConnection connection, Socket host, int bufferSize, bool peekOffset, HostForwarderStatistics stats, CancellationToken stop)
    {
        // A reset on one side stops the other direction at once.
        using var reset = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task outbound = PumpToHostAsync(connection, host, bufferSize, stats, reset);
        Task inbound;
        HostSocketSendSource? source = peekOffset && HostSocketSendSource.IsSupported ? new HostSocketSendSource(host, stats) : null;
        if (source is not null && source.StartWatching() && connection.Endpoint.TryAttachSendSource(source))
        {
            Interlocked.Increment(ref stats.TcpPeekConnections);
            inbound = PeekToStackAsync(connection, source, reset);
        }
        else
        {
            source?.StopWatching();
            inbound = PumpToStackAsync(host, connection, bufferSize, stats, reset);
        }
        await Task.WhenAll(outbound, inbound).ConfigureAwait(false);
        if (reset.IsCancellationRequested)
        {
            connection.Abort();
            host.LingerState = new LingerOption(true, 0); // close sends RST
        }
        connection.Dispose();
        host.Dispose();
    }

    /// <summary>Stack → host: each read goes out in one send; the stack's EOF becomes SHUT_WR.</summary>
    private static async Task PumpToHostAsync(TcpConnection connection, Socket host, int bufferSize, HostForwarderStatistics stats, CancellationTokenSource reset)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
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
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reset.Cancel();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Host → stack: each receive is written to the connection; the host's EOF becomes our FIN.</summary>
    private static async Task PumpToStackAsync(Socket host, TcpConnection connection, int bufferSize, HostForwarderStatistics stats, CancellationTokenSource reset)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
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
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reset.Cancel();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Host → stack without copying: the endpoint sends straight from the host socket's receive queue; this loop only
    /// tells it when there is news, and ends once the host's FIN is queued behind data the peer has acknowledged (so
    /// no retransmission can need the socket after the relay closes it).
    /// </summary>
    /// <remarks>
    /// Readiness: the source wakes this loop on each arrival of data, the FIN or an error (one edge-triggered epoll
    /// thread for the process, <see cref="HostSocketReadiness"/>), when its queue drained, and when it failed or the
    /// connection ended; ACKs from the peer make the endpoint send more without this loop. No busy loop: an edge
    /// fires once per arrival, not while bytes merely sit in the queue waiting for their ACK.
    /// </remarks>
    private static async Task PeekToStackAsync(TcpConnection connection, HostSocketSendSource source, CancellationTokenSource reset)
    {
        try
        {
            while (true)
            {
                connection.Endpoint.PollSendSource();
                if (source.Failed)
                {
                    reset.Cancel();
                    return;
                }
                if (source.Cleared || (source.EndOfStream && source.Length == 0))
                {
                    return;
                }
                await source.WaitAsync(reset.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            reset.Cancel();
        }
        finally
        {
            source.StopWatching();
        }
    }
}
