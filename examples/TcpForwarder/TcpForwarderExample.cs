using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Examples.TcpForwarder;

/// <summary>
/// User-mode networking in small: a client stack connects to an address nobody owns (192.0.2.10:80); the gateway
/// stack's TCP forwarder (<see cref="TcpSocketExtensions.ForwardTcp"/>) takes the SYN, dials a host socket on
/// 127.0.0.1 first, and only then accepts the connection and relays bytes both ways. A small host server on
/// loopback stands for the real destination. (<c>Netstack.Forwarding.HostForwarder</c> is the library's complete
/// version: dialers, SOCKS5, UDP and ping.)
/// </summary>
public static class TcpForwarderExample
{
    private static readonly IPEndPoint Destination = new(IPAddress.Parse("192.0.2.10"), 80);

    public static async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output); // the forwarder and the host server write from their own tasks

        // The real destination: a host socket on loopback that answers what it read.
        using var hostListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        hostListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        hostListener.Listen();
        var hostEndPoint = (IPEndPoint)hostListener.LocalEndPoint!;
        output.WriteLine($"host: listening on {hostEndPoint}");
        Task hostServing = HostServer.AnswerOneAsync(hostListener, output, cancellationToken);

        await using var gateway = new NetStack();
        await using var client = new NetStack();
        await using ChannelLinkPair link = ChannelLink.CreatePair();
        gateway.AddInterface(link.A, "10.9.0.1/24");
        int clientInterface = client.AddInterface(link.B, "10.9.0.2/24");
        client.AddRoute(new IPNetwork(IPAddress.Any, 0), clientInterface, gateway: IPAddress.Parse("10.9.0.1"));

        // Every SYN the gateway sees, to any address, becomes a request; this one maps them all to the host server.
        var relays = new Relays(output);
        await using (gateway.ForwardTcp(request => relays.Start(request, hostEndPoint, cancellationToken)).ConfigureAwait(false))
        {
            await using TcpConnection connection = await client.ConnectTcpAsync(Destination, cancellationToken).ConfigureAwait(false);
            output.WriteLine($"client: connected {connection.LocalEndPoint} -> {connection.RemoteEndPoint}");
            await connection.Stream.WriteAsync(Encoding.ASCII.GetBytes("hello through the forwarder"), cancellationToken).ConfigureAwait(false);
            connection.ShutdownWrite();
            using var reply = new MemoryStream();
            await connection.Stream.CopyToAsync(reply, cancellationToken).ConfigureAwait(false);
            output.WriteLine($"client: received '{Encoding.ASCII.GetString(reply.ToArray())}'");
        }
        await relays.WhenAllDoneAsync().ConfigureAwait(false);
        await hostServing.ConfigureAwait(false);
    }
}
