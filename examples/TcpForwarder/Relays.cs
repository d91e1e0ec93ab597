using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;

namespace Netstack.Examples.TcpForwarder;

/// <summary>
/// Carries forwarded connections to host sockets: dial first, then answer the SYN (refuse it when the dial fails),
/// then copy both directions; each side's end of stream becomes a half-close on the other, a failure resets both.
/// </summary>
internal sealed class Relays(TextWriter output)
{
    private readonly List<Task> _running = [];
    private readonly Lock _lock = new();

    /// <summary>The forwarder's handler (called on the thread pool): starts one relay and returns.</summary>
    public void Start(TcpForwarderRequest request, IPEndPoint target, CancellationToken cancellationToken)
    {
        Task relay = RelayAsync(request, target, cancellationToken);
        lock (_lock)
        {
            _running.Add(relay);
        }
    }

    public Task WhenAllDoneAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_running);
        }
    }

    private async Task RelayAsync(TcpForwarderRequest request, IPEndPoint target, CancellationToken cancellationToken)
    {
        using var host = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await host.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            output.WriteLine($"forwarder: {request} refused ({e.SocketErrorCode})");
            request.Refuse(); // the client's connect fails with "connection refused", as if it had dialled itself
            return;
        }
        await using TcpConnection connection = await request.AcceptAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine($"forwarder: {request.RemoteEndPoint} -> {request.LocalEndPoint} relayed to {target}");
        using var hostStream = new NetworkStream(host, ownsSocket: false);
        try
        {
            await Task.WhenAll(
                CopyThenHalfCloseAsync(connection.Stream, hostStream, () => host.Shutdown(SocketShutdown.Send), cancellationToken),
                CopyThenHalfCloseAsync(hostStream, connection.Stream, connection.ShutdownWrite, cancellationToken)).ConfigureAwait(false);
            output.WriteLine("forwarder: both directions closed");
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            connection.Abort();
            host.Close(0); // linger 0: a reset
        }
    }

    private static async Task CopyThenHalfCloseAsync(Stream from, Stream to, Action halfClose, CancellationToken cancellationToken)
    {
        await from.CopyToAsync(to, cancellationToken).ConfigureAwait(false);
        halfClose();
    }
}
