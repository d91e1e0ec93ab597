using System.Net;
using System.Text;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

// An HTTP request between two in-process stacks through the packed library: HttpClient on one stack, a one-request
// HTTP/1.1 server on the other, joined by an in-memory link. Exit 0 and one line when the body came back.
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
CancellationToken ct = timeout.Token;
await using var serverStack = new NetStack();
await using var clientStack = new NetStack();
await using (ChannelLinkPair link = ChannelLink.CreatePair())
{
    serverStack.AddInterface(link.A, "10.9.0.2/24");
    clientStack.AddInterface(link.B, "10.9.0.1/24");
    await using TcpConnectionListener listener = serverStack.ListenTcp(new IPEndPoint(IPAddress.Parse("10.9.0.2"), 8080));
    Task serving = ServeOneAsync(listener, ct);

    using var handler = new SocketsHttpHandler { ConnectCallback = clientStack.CreateHttpConnectCallback() };
    using var http = new HttpClient(handler);
    string body = await http.GetStringAsync(new Uri("http://10.9.0.2:8080/smoke"), ct);
    await serving;
    if (body != "hello from /smoke")
    {
        Console.Error.WriteLine($"package-smoke: unexpected body '{body}'");
        return 1;
    }
    Console.WriteLine($"package-smoke: HTTP over the Netstack package {typeof(NetStack).Assembly.GetName().Version} ok ({clientStack.GetStatistics().Tcp.OutSegs} client segments)");
    return 0;
}

static async Task ServeOneAsync(TcpConnectionListener listener, CancellationToken ct)
{
    await using TcpConnection connection = await listener.AcceptAsync(ct);
    var request = new StringBuilder();
    byte[] buffer = new byte[4096];
    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
    {
        int n = await connection.Stream.ReadAsync(buffer, ct);
        if (n == 0)
        {
            throw new IOException("the client closed before its request ended");
        }
        request.Append(Encoding.ASCII.GetString(buffer, 0, n));
    }
    string path = request.ToString().Split(' ')[1];
    byte[] body = Encoding.ASCII.GetBytes($"hello from {path}");
    byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
    await connection.Stream.WriteAsync(head, ct);
    await connection.Stream.WriteAsync(body, ct);
    connection.ShutdownWrite();
}
