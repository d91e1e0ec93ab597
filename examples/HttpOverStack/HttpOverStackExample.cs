using System.Net;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Examples.HttpOverStack;

/// <summary>
/// <see cref="HttpClient"/> through a userspace stack: <see cref="SocketsHttpHandler.ConnectCallback"/> opens each
/// HTTP connection as a TCP connection of the client stack, and a small HTTP/1.1 server on the other stack answers.
/// </summary>
public static class HttpOverStackExample
{
    public static async Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output); // the server writes from its own tasks
        await using var serverStack = new NetStack();
        await using var clientStack = new NetStack();
        await using ChannelLinkPair link = ChannelLink.CreatePair();
        serverStack.AddInterface(link.A, "10.9.0.2/24");
        clientStack.AddInterface(link.B, "10.9.0.1/24");

        using var stopServer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var server = new MinimalHttpServer(serverStack, new IPEndPoint(IPAddress.Any, 8080), output);
        Task serving = server.RunAsync(stopServer.Token);

        // CreateHttpConnectCallback connects with clientStack.ConnectTcpAsync and returns the connection's TcpStream.
        using var handler = new SocketsHttpHandler { ConnectCallback = clientStack.CreateHttpConnectCallback() };
        using var http = new HttpClient(handler);
        foreach (string path in new[] { "/hello", "/again" })
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri("http://10.9.0.2:8080" + path), cancellationToken).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            output.WriteLine($"client: GET {path} -> {(int)response.StatusCode} '{body}'");
        }

        stopServer.Cancel();
        await serving.ConfigureAwait(false);
        output.WriteLine($"server: {server.Connections} connection(s), {server.Requests} request(s)");
    }
}
