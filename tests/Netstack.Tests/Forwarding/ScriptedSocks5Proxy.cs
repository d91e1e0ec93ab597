using System.Net;
using System.Net.Sockets;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// A fake SOCKS5 proxy on 127.0.0.1 that runs a test's script against the first connection it accepts, so the
/// test both checks the client's bytes and chooses every byte of the replies (including wrong and truncated ones).
/// </summary>
internal sealed class ScriptedSocks5Proxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));

    public ScriptedSocks5Proxy(Func<ProxyConnection, Task> script)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        Completion = RunAsync(script);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The script's end; a failed assertion in it fails this task.</summary>
    public Task Completion { get; }

    private async Task RunAsync(Func<ProxyConnection, Task> script)
    {
        using Socket client = await _listener.AcceptAsync(_stop.Token);
        await script(new ProxyConnection(client, _stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The proxy side of one scripted connection.</summary>
internal sealed class ProxyConnection(Socket socket, CancellationToken token)
{
    public Socket Socket { get; } = socket;

    /// <summary>Reads exactly <paramref name="count"/> bytes (fails the script if the client closes first).</summary>
    public async Task<byte[]> ReadAsync(int count)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await Socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, token);
            Assert.True(n > 0, $"the client closed after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    /// <summary>Reads <paramref name="expected"/>.Length bytes and checks they are exactly <paramref name="expected"/>.</summary>
    public async Task ExpectAsync(params byte[] expected) =>
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(await ReadAsync(expected.Length)));

    public async Task WriteAsync(params byte[] bytes) => await Socket.SendAsync(bytes, SocketFlags.None, token);

    /// <summary>
    /// Waits until the client closes its side (reads to EOF, discarding). A reset counts as closed: a client that
    /// closes with reply bytes it never read unread makes its kernel send RST instead of FIN.
    /// </summary>
    public async Task WaitForCloseAsync()
    {
        byte[] sink = new byte[256];
        try
        {
            while (await Socket.ReceiveAsync(sink, SocketFlags.None, token) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }
}
