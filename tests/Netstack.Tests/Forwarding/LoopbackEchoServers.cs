using System.Net;
using System.Net.Sockets;

namespace Netstack.Tests.Forwarding;

/// <summary>TCP and UDP echo servers on a loopback address with an ephemeral port, for the dialer tests.</summary>
internal sealed class LoopbackEchoServers : IDisposable
{
    private readonly Socket _tcp;
    private readonly Socket _udp;
    private readonly CancellationTokenSource _stop = new();

    public LoopbackEchoServers(IPAddress loopback)
    {
        _tcp = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _tcp.Bind(new IPEndPoint(loopback, 0));
        _tcp.Listen(16);
        _udp = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(loopback, 0));
        Tcp = (IPEndPoint)_tcp.LocalEndPoint!;
        Udp = (IPEndPoint)_udp.LocalEndPoint!;
        _ = AcceptLoopAsync();
        _ = UdpLoopAsync();
    }

    public IPEndPoint Tcp { get; }

    public IPEndPoint Udp { get; }

    /// <summary>The source of the last TCP connection accepted (what the destination saw).</summary>
    public IPEndPoint? LastTcpClient { get; private set; }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _tcp.AcceptAsync(_stop.Token);
                LastTcpClient = (IPEndPoint)client.RemoteEndPoint!;
                _ = EchoAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task EchoAsync(Socket client)
    {
        using (client)
        {
            byte[] buffer = new byte[16384];
            try
            {
                int n;
                while ((n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                {
                    await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                }
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task UdpLoopAsync()
    {
        byte[] buffer = new byte[65536];
        EndPoint any = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        try
        {
            while (true)
            {
                SocketReceiveFromResult got = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                await _udp.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), SocketFlags.None, got.RemoteEndPoint, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _tcp.Dispose();
        _udp.Dispose();
        _stop.Dispose();
    }
}
