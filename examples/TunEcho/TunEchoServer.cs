using System.Net;
using System.Net.Sockets;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Examples.TunEcho;

/// <summary>
/// A TCP echo server (RFC 862) on a Linux TUN device: the kernel on one side of the device, this process's stack on
/// the other. Every byte a client sends comes back; the client's FIN is answered with the server's.
/// </summary>
public static class TunEchoServer
{
    /// <summary>Opens (or creates) <paramref name="device"/>, serves until <paramref name="stop"/> is cancelled, and closes it.</summary>
    public static async Task RunAsync(string device, InterfaceAddress address, int port, TextWriter output, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output); // connections report from their own tasks
        await using var stack = new NetStack();
        // Creates the device when it does not exist (it goes away with the link); needs CAP_NET_ADMIN.
        await using var link = new TunLink(device);
        stack.AddInterface(link, address);
        await using TcpConnectionListener listener = stack.ListenTcp(new IPEndPoint(address.Address.ToIPAddress(), port));
        output.WriteLine($"echo: listening on {listener.LocalEndPoint} via {link.Name} (mtu {link.Mtu})");

        var connections = new List<Task>();
        try
        {
            while (true)
            {
                TcpConnection connection = await listener.AcceptAsync(stop).ConfigureAwait(false);
                connections.Add(EchoAsync(connection, output, stop));
            }
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("echo: stopping");
        }
        await Task.WhenAll(connections).ConfigureAwait(false);
    } // the link closes first (its threads stop), then the stack

    private static async Task EchoAsync(TcpConnection connection, TextWriter output, CancellationToken stop)
    {
        await using (connection.ConfigureAwait(false))
        {
            EndPoint client = connection.RemoteEndPoint;
            long echoed = 0;
            byte[] buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = await connection.Stream.ReadAsync(buffer, stop).ConfigureAwait(false)) > 0)
                {
                    await connection.Stream.WriteAsync(buffer.AsMemory(0, n), stop).ConfigureAwait(false);
                    echoed += n;
                }
                output.WriteLine($"echo: {client} sent {echoed} bytes and closed");
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                connection.Abort();
            }
        }
    }
}
