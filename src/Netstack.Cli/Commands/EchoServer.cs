using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;

namespace Netstack.Cli.Commands;

/// <summary>
/// The echo service (RFC 862) on a stack: TCP connections get every byte back and a FIN after the client's FIN
/// (so half-close works), UDP datagrams are returned to their sender; both on IPv4 and IPv6.
/// </summary>
internal sealed class EchoServer : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly NetStack _stack;
    private readonly TcpConnectionListener _tcp4;
    private readonly TcpConnectionListener _tcp6;
    private readonly UdpSocket _udp4;
    private readonly UdpSocket _udp6;
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();
    private long _tcpConnections;
    private long _udpDatagrams;

    /// <summary>Starts listening on <paramref name="port"/>; nothing is served until <see cref="RunAsync"/>.</summary>
    /// <exception cref="SocketException">The port is in use.</exception>
    public EchoServer(NetStack stack, int port)
    {
        _stack = stack;
        // The echo loop's continuation copies and writes, never blocks: it runs on the dispatcher, a thread wake-up
        // less per request (the latency of a request-response is mostly wake-ups).
        var options = new TcpEndpointOptions { InlineCompletions = true };
        _tcp4 = stack.ListenTcp(new IPEndPoint(IPAddress.Any, port), options: options);
        _tcp6 = stack.ListenTcp(new IPEndPoint(IPAddress.IPv6Any, port), options: options);
        _udp4 = new UdpSocket(stack, AddressFamily.InterNetwork);
        _udp4.Bind(new IPEndPoint(IPAddress.Any, port));
        _udp6 = new UdpSocket(stack, AddressFamily.InterNetworkV6);
        _udp6.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
    }

    public long TcpConnections => Interlocked.Read(ref _tcpConnections);

    public long UdpDatagrams => Interlocked.Read(ref _udpDatagrams);

    /// <summary>Serves until <paramref name="stop"/> is cancelled, then closes every connection.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        Task[] loops =
        [
            AcceptLoopAsync(_tcp4, stop),
            AcceptLoopAsync(_tcp6, stop),
            UdpLoopAsync(_udp4, stop),
            UdpLoopAsync(_udp6, stop),
        ];
        await Task.WhenAll(loops).ConfigureAwait(false);
        Task[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }
        await Task.WhenAll(open).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync(TcpConnectionListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpConnection connection;
            try
            {
                connection = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // e.g. a connection reset before it was accepted
            }
            Interlocked.Increment(ref _tcpConnections);
            Task serving = ServeAsync(connection, stop);
            lock (_lock)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(serving);
            }
        }
    }

    private static async Task ServeAsync(TcpConnection connection, CancellationToken stop)
    {
        await Task.Yield(); // never serve on the accepting continuation
        byte[] buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
        try
        {
            TcpStream stream = connection.Stream;
            while (true)
            {
                int n = await stream.ReadAsync(buffer, stop).ConfigureAwait(false);
                if (n == 0)
                {
                    break; // the client's FIN: everything is echoed, answer with ours
                }
                await stream.WriteAsync(buffer.AsMemory(0, n), stop).ConfigureAwait(false);
            }
            connection.ShutdownWrite();
            connection.Dispose();
        }
        catch (OperationCanceledException)
        {
            connection.Abort();
        }
        catch (IOException)
        {
            connection.Abort();
        }
        catch (SocketException)
        {
            connection.Abort();
        }
    }

    private async Task UdpLoopAsync(UdpSocket socket, CancellationToken stop)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(65536);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                UdpReceiveFromResult received = await socket.ReceiveFromAsync(buffer, stop).ConfigureAwait(false);
                await socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, stop).ConfigureAwait(false);
                Interlocked.Increment(ref _udpDatagrams);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP errors for an earlier reply, no route: skip the datagram
            }
        }
    }

    public void Dispose()
    {
        _tcp4.Dispose();
        _tcp6.Dispose();
        _udp4.Dispose();
        _udp6.Dispose();
        _ = _stack;
    }
}
