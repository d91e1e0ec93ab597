using System.Net;
using System.Text;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Examples.InMemoryTcp;

/// <summary>
/// Two stacks in one process joined by an in-memory link: a TCP client on one sends a line, half-closes, and reads
/// back what the server on the other echoed until the server's FIN.
/// </summary>
public static class InMemoryTcpExample
{
    private static readonly IPEndPoint ServerEndPoint = new(IPAddress.Parse("10.9.0.2"), 7);

    public static async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output); // the server writes from its own task
        await using var serverStack = new NetStack();
        await using var clientStack = new NetStack();
        // What one end of the pair writes, the other receives (each end delivers on its own thread).
        await using ChannelLinkPair link = ChannelLink.CreatePair();
        serverStack.AddInterface(link.A, "10.9.0.2/24");
        clientStack.AddInterface(link.B, "10.9.0.1/24");

        await using TcpConnectionListener listener = serverStack.ListenTcp(ServerEndPoint);
        output.WriteLine($"server: listening on {listener.LocalEndPoint}");
        Task serving = EchoOneConnectionAsync(listener, output, cancellationToken);

        await using TcpConnection connection = await clientStack.ConnectTcpAsync(ServerEndPoint, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"client: connected {connection.LocalEndPoint} -> {connection.RemoteEndPoint}");
        byte[] line = Encoding.ASCII.GetBytes("hello over an in-memory link");
        await connection.Stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        connection.ShutdownWrite(); // FIN: the server's read returns 0 once it has everything

        using var received = new MemoryStream();
        await connection.Stream.CopyToAsync(received, cancellationToken).ConfigureAwait(false); // until the server's FIN
        output.WriteLine($"client: received '{Encoding.ASCII.GetString(received.ToArray())}'");
        await serving.ConfigureAwait(false);
    }

    /// <summary>Accepts one connection and sends every byte back; answers the client's FIN with its own.</summary>
    private static async Task EchoOneConnectionAsync(TcpConnectionListener listener, TextWriter output, CancellationToken cancellationToken)
    {
        await using TcpConnection connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine($"server: accepted {connection.RemoteEndPoint}");
        long echoed = 0;
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = await connection.Stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await connection.Stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            echoed += n;
        }
        output.WriteLine($"server: echoed {echoed} bytes, closing");
    } // disposing the connection sends the server's FIN after the data
}
