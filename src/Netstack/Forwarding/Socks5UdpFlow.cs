using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// A UDP flow of <see cref="Socks5Dialer"/>: a UDP socket connected to the proxy's relay, each datagram wrapped in
/// the RFC 1928 §7 header, and the TCP control connection of the association, watched so the flow ends when it closes.
/// </summary>
internal sealed class Socks5UdpFlow : IOutboundUdpFlow
{
    private readonly Socket _control;
    private readonly Socket _udp;
    private readonly string _proxy;
    private readonly Task _watch;
    private volatile bool _controlClosed;
    private volatile bool _disposed;

    public Socks5UdpFlow(Socket control, Socket udp, IPEndPoint destination, string proxy)
    {
        _control = control;
        _udp = udp;
        _proxy = proxy;
        Destination = destination;
        _watch = WatchControlAsync();
    }

    public IPEndPoint Destination { get; }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        int header = Socks5UdpHeader.Length(Destination);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(header + datagram.Length);
        try
        {
            Socks5UdpHeader.Write(buffer, Destination);
            datagram.Span.CopyTo(buffer.AsSpan(header));
            await _udp.SendAsync(buffer.AsMemory(0, header + datagram.Length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException && _controlClosed && !_disposed)
        {
            throw ControlClosed();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(Socks5UdpHeader.MaxLength + buffer.Length);
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = await _udp.ReceiveAsync(scratch, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException && _controlClosed && !_disposed)
                {
                    throw ControlClosed();
                }
                int offset = Socks5UdpHeader.TryRead(scratch.AsSpan(0, n), out IPEndPoint? source);
                if (offset < 0 || !DirectDialer.Normalize(source!).Equals(Destination))
                {
                    // A fragment, a malformed header, or a datagram the relay got from someone other than this
                    // flow's destination: the namespace socket only expects its peer, as a connected socket does.
                    continue;
                }
                int length = Math.Min(n - offset, buffer.Length);
                scratch.AsSpan(offset, length).CopyTo(buffer.Span);
                return length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _udp.Dispose();
        _control.Dispose();
        await _watch.ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 1928 §7: the association ends when its TCP connection does. Nothing more is expected on it after the
    /// reply, so any read result other than data means the proxy closed or reset it; the UDP socket is then closed,
    /// which ends a pending receive.
    /// </summary>
    private async Task WatchControlAsync()
    {
        byte[] sink = new byte[64];
        try
        {
            while (await _control.ReceiveAsync(sink, SocketFlags.None).ConfigureAwait(false) > 0)
            {
                // Unexpected bytes on the control connection: ignore them, the association stands.
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // reset, or disposed by us
        }
        _controlClosed = true;
        _udp.Dispose();
    }

    private SocketException ControlClosed() =>
        new((int)SocketError.ConnectionReset, $"SOCKS5 proxy {_proxy} closed the UDP association's control connection");
}
