using System.Net;
using System.Net.Sockets;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>A UDP echo service on a loopback address of a test namespace: every datagram goes back to its sender unchanged.</summary>
public sealed class UdpEchoServer : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();

    public UdpEchoServer(ForwardingWorld world, bool v6)
    {
        ArgumentNullException.ThrowIfNull(world);
        _socket = world.HostSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _ = EchoLoopAsync(v6);
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    private async Task EchoLoopAsync(bool v6)
    {
        byte[] buffer = new byte[65536];
        EndPoint any = new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                await _socket.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested || e is ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
