using System.Buffers;
using System.Net.Sockets;
using Netstack.Buffers;
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
    /// <summary>Relays until both directions have ended; completes when the connection and the host socket are done with.</summary>
    /// <param name="connection">The stack side, an accepted or forwarded connection.</param>
    /// <param name="host">The connected host socket.</param>
    /// <param name="bufferSize">Bytes per read from the host socket when host → stack is copied (no <paramref name="readiness"/>).</param>
    /// <param name="readiness">Host → stack over <see cref="HostSocketSendSource"/>, watched by this set; null to copy.</param>
    /// <param name="stats">Counters the relay updates.</param>
    /// <param name="stop">Ends the relay with resets both ways (the forwarder is shutting down).</param>
    public static async Task RunAsync(TcpConnection connection, Socket host, int bufferSize, HostSocketReadiness? readiness, HostForwarderStatistics stats, CancellationToken stop)
    {
        HostSocketSendSource? source = readiness is not null ? new HostSocketSendSource(host, stats) : null;
        if (source is not null && !(source.StartWatching(connection.Endpoint, readiness!) && connection.Endpoint.TryAttachSendSource(source)))
        {
            source.StopWatching();
            source = null;
        }
        if (source is not null)
        {
            Interlocked.Increment(ref stats.TcpPeekConnections);
        }
        // A reset on one side resets the other at once, which also ends whatever the other direction waits for.
        using var reset = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using (reset.Token.UnsafeRegister(static s => Reset(((TcpConnection, Socket, HostSocketSendSource?))s!), (connection, host, source)))
        {
            Task outbound = PumpToHostAsync(connection, host, stats, reset);
            Task inbound = source is not null
                ? PeekToStackAsync(connection, source, reset)
                : PumpToStackAsync(host, connection, bufferSize, stats, reset);
            await Task.WhenAll(outbound, inbound).ConfigureAwait(false);
        }
        connection.Dispose();
        host.Dispose();
    }

    private static void Reset((TcpConnection Connection, Socket Host, HostSocketSendSource? Source) ends)
    {
        ends.Connection.Abort();
        ends.Source?.StopWatching(); // before the descriptor closes: its number may be reused at once
        try
        {
            ends.Host.LingerState = new LingerOption(true, 0); // close sends RST
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        ends.Host.Dispose();
    }

    /// <summary>The most received bytes handed to one <c>sendmsg</c> (the kernel's loopback takes a few 64 KiB skbs at once).</summary>
    private const int GatherLimit = 512 * 1024;

    /// <summary>
    /// Stack → host without a copy in between: the received packet buffers themselves are the iovecs of one
    /// <c>sendmsg</c> (<see cref="HostSocketIo.SendAsync"/>), dropped as read once sent; the stack's EOF becomes
    /// SHUT_WR. An idle connection holds nothing: a zero-byte read waits for data first.
    /// </summary>
    private static async Task PumpToHostAsync(TcpConnection connection, Socket host, HostForwarderStatistics stats, CancellationTokenSource reset)
    {
        var segments = new List<ArraySegment<byte>>();
        var held = new List<PacketBuffer>();
        try
        {
            while (true)
            {
                // A zero-byte read, on the endpoint's own reusable waiter: no object per wait (TcpStream.ReadAsync's
                // pooled builder still allocates when the continuation moves between threads).
                SocketError error;
                while (connection.Endpoint.ArmIfNothingToRead(out error))
                {
                    await connection.Endpoint.ReadWaiter.WaitAsync(reset.Token).ConfigureAwait(false);
                }
                if (error != SocketError.Success)
                {
                    throw TcpConnection.StreamError(error);
                }
                int n = connection.Endpoint.PeekReceived(segments, held, GatherLimit);
                if (n == 0)
                {
                    host.Shutdown(SocketShutdown.Send); // woken with nothing to read: the end of the stream
                    return;
                }
                try
                {
                    await HostSocketIo.SendAsync(host, segments, reset.Token).ConfigureAwait(false);
                }
                finally
                {
                    foreach (PacketBuffer buffer in held)
                    {
                        buffer.Release();
                    }
                    held.Clear();
                    segments.Clear();
                }
                connection.Endpoint.ConsumeReceived(n);
                Interlocked.Add(ref stats.BytesOut, n);
            }
        }
#pragma warning disable CA1031 // Whatever ends a direction abnormally resets both sides: a relay must never hang half-alive.
        catch (Exception)
#pragma warning restore CA1031
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
#pragma warning disable CA1031 // Whatever ends a direction abnormally resets both sides: a relay must never hang half-alive.
        catch (Exception)
#pragma warning restore CA1031
        {
            reset.Cancel();
        }
    }

    /// <summary>
    /// Host → stack without copying: the endpoint sends straight from the host socket's receive queue, polled by the
    /// epoll thread on each arrival (<see cref="HostSocketSendSource.OnReadiness"/>) and by ACKs from the peer. This
    /// only looks once for what came before the socket was watched, then waits until the host's FIN is queued behind
    /// data the peer has acknowledged (so no retransmission can need the socket after the relay closes it), or the
    /// source failed.
    /// </summary>
    private static async Task PeekToStackAsync(TcpConnection connection, HostSocketSendSource source, CancellationTokenSource reset)
    {
        try
        {
            while (!source.OnReadiness() && source.PollPending)
            {
                await Task.Delay(1, reset.Token).ConfigureAwait(false); // rare: the endpoint was busy; look again
            }
            await source.Ended.WaitAsync(reset.Token).ConfigureAwait(false);
            if (source.Failed)
            {
                reset.Cancel();
            }
        }
#pragma warning disable CA1031 // as above: any failure resets both sides
        catch (Exception)
#pragma warning restore CA1031
        {
            reset.Cancel();
        }
        finally
        {
            source.StopWatching();
        }
    }
}
