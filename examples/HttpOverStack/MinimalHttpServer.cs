using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Examples.HttpOverStack;

/// <summary>
/// Just enough HTTP/1.1 for the example, written on the stack's TCP listener: requests without a body, keep-alive,
/// a plain-text answer naming the method and path.
/// </summary>
public sealed class MinimalHttpServer : IDisposable
{
    private const int MaxHeadBytes = 8 * 1024;
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    private readonly TcpConnectionListener _listener;
    private readonly TextWriter _log;
    private int _connections;
    private int _requests;

    public MinimalHttpServer(NetStack stack, IPEndPoint endPoint, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _listener = stack.ListenTcp(endPoint);
        _log = log;
        _log.WriteLine($"server: HTTP on {_listener.LocalEndPoint}");
    }

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Accepts and serves connections until <paramref name="stop"/> is cancelled, then waits for them.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var serving = new List<Task>();
        try
        {
            while (true)
            {
                TcpConnection connection = await _listener.AcceptAsync(stop).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                serving.Add(ServeAsync(connection, stop));
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        await Task.WhenAll(serving).ConfigureAwait(false);
    }

    private async Task ServeAsync(TcpConnection connection, CancellationToken stop)
    {
        await using (connection.ConfigureAwait(false))
        {
            byte[] buffer = new byte[MaxHeadBytes];
            int filled = 0;
            try
            {
                while (true)
                {
                    int end;
                    while ((end = buffer.AsSpan(0, filled).IndexOf(EndOfHead)) < 0)
                    {
                        int n = filled < buffer.Length ? await connection.Stream.ReadAsync(buffer.AsMemory(filled), stop).ConfigureAwait(false) : 0;
                        if (n == 0)
                        {
                            return; // the client closed (or sent a head too large for this server)
                        }
                        filled += n;
                    }
                    string requestLine = Encoding.ASCII.GetString(buffer, 0, buffer.AsSpan(0, end).IndexOf("\r\n"u8));
                    await RespondAsync(connection.Stream, requestLine, stop).ConfigureAwait(false);
                    int consumed = end + EndOfHead.Length;
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                connection.Abort(); // stopped, or the client went away
            }
        }
    }

    private async Task RespondAsync(TcpStream stream, string requestLine, CancellationToken stop)
    {
        Interlocked.Increment(ref _requests);
        _log.WriteLine($"server: {requestLine}");
        string[] parts = requestLine.Split(' ');
        string body = parts.Length == 3 ? $"hello from netstack: {parts[0]} {parts[1]}" : "bad request";
        string status = parts.Length == 3 ? "200 OK" : "400 Bad Request";
        string response = $"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(response), stop).ConfigureAwait(false);
    }

    public void Dispose() => _listener.Dispose();
}
