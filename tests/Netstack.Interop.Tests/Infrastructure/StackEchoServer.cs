using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>A TCP echo service on our stack for the kernel as the client: every accepted connection gets back what it sends.</summary>
public static class StackEchoServer
{
    /// <summary>
    /// Echoes every connection <paramref name="listener"/> accepts until <paramref name="ct"/> is cancelled or the
    /// listener is disposed, then waits for the connections; each one's <see cref="TcpInfo"/> at its end goes into
    /// <paramref name="infos"/> when given.
    /// </summary>
    public static async Task ServeAsync(TcpConnectionListener listener, CancellationToken ct, List<TcpInfo>? infos = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var connections = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                TcpConnection c = await listener.AcceptAsync(ct);
                connections.Add(Task.Run(() => EchoAsync(c, infos, ct), ct));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (System.Net.Sockets.SocketException)
        {
            // the listener was disposed
        }
        await Task.WhenAll(connections);
    }

    private static async Task EchoAsync(TcpConnection c, List<TcpInfo>? infos, CancellationToken ct)
    {
        await using (c)
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await c.Stream.ReadAsync(buffer, ct)) > 0)
            {
                await c.Stream.WriteAsync(buffer.AsMemory(0, n), ct);
            }
            if (infos is not null)
            {
                lock (infos)
                {
                    infos.Add(c.GetInfo());
                }
            }
        }
    }
}
