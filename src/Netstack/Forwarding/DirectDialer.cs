using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Reaches destinations with the host's own sockets: the host's routing applies and the destination sees the
/// host's address. An IPv4 destination (also written as an IPv4-mapped IPv6 address) gets an IPv4 socket, an
/// IPv6 destination an IPv6 socket.
/// </summary>
public sealed class DirectDialer : IOutboundDialer
{
    /// <summary>
    /// The default <see cref="ConnectTimeout"/>: 60 s. Linux gives up on a SYN after tcp_syn_retries = 6
    /// retransmissions, about 127 s; a forwarder holds the namespace's SYN unanswered that long and a pending dial
    /// slot with it, while the namespace's own connect (same retry count) has usually given up well before.
    /// </summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(60);

    private readonly TimeSpan _connectTimeout = DefaultConnectTimeout;

    /// <summary>
    /// How long a TCP connect may take before it fails with <see cref="SocketError.TimedOut"/> (default
    /// <see cref="DefaultConnectTimeout"/>; <see cref="Timeout.InfiniteTimeSpan"/> leaves it to the kernel).
    /// </summary>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        init => _connectTimeout = DialTimeout.Validate(value, nameof(ConnectTimeout));
    }

    /// <summary>
    /// TCP_NODELAY on the host socket (default true): the namespace's own TCP has already decided how to batch
    /// (Nagle or not), so a second Nagle on the host side would only add delay to what it chose to send now.
    /// </summary>
    public bool NoDelay { get; init; } = true;

    /// <inheritdoc/>
    public async ValueTask<Socket> ConnectTcpAsync(IPEndPoint destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        IPEndPoint target = Normalize(destination);
        // Connected by the system calls themselves (HostSocketIo): the runtime's socket engine never registers the
        // socket, so its epoll thread is not woken by every arrival on it.
        return await DialTimeout.RunAsync(_connectTimeout, $"connect to {target}",
            token => HostSocketIo.ConnectAsync(target, NoDelay, token), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The flow is a connected UDP socket, so the kernel drops datagrams from other sources and reports an ICMP
    /// port unreachable from the destination as <see cref="SocketError.ConnectionRefused"/> on the next call.
    /// The forwarder carries such a flow with <see cref="DirectUdpRelay"/>, which batches with recvmmsg/sendmmsg,
    /// UDP_GRO and UDP_SEGMENT; this datagram-at-a-time interface is what other dialers' flows implement.
    /// </remarks>
    public ValueTask<IOutboundUdpFlow> OpenUdpAsync(IPEndPoint destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        IPEndPoint target = Normalize(destination);
        var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // A UDP connect only picks the route and the local address; it sends nothing and does not block.
            socket.Connect(target);
            return ValueTask.FromResult<IOutboundUdpFlow>(new DirectUdpFlow(socket, target));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An IPv4-mapped IPv6 destination becomes plain IPv4, so it gets an IPv4 socket.</summary>
    internal static IPEndPoint Normalize(IPEndPoint destination) =>
        destination.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(destination.Address.MapToIPv4(), destination.Port) : destination;
}
