using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Network;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Udp;

/// <summary>
/// UDP (RFC 768, RFC 1122 §4.1) for one stack, both IP versions: checksum validation, demultiplexing to
/// sockets, ICMP port unreachable when no socket listens, and the send path of <see cref="UdpSocket"/>.
/// </summary>
/// <remarks>
/// Demultiplexing looks up, most specific first: the connected 4-tuple, then (local address, port), then the
/// family's wildcard address with the port — four dictionary probes with value keys, no allocation. A zero
/// checksum is accepted on IPv4 ("no checksum") and rejected on IPv6 (RFC 8200 §8.1).
/// </remarks>
public sealed class UdpProtocol : ITransportHandler
{
    private readonly NetStack _stack;
    private readonly UdpStatistics _stats;
    private readonly Lock _lock = new();
    private readonly Dictionary<UdpDemuxKey, UdpSocket> _sockets = [];

    public UdpProtocol(NetStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        _stats = stack.Statistics.Udp;
    }

    public byte Protocol => IpProtocol.Udp;

    /// <summary>The largest payload a datagram can carry over <paramref name="isV6"/>: 65535 minus the headers.</summary>
    public static int MaxPayload(bool isV6) => isV6 ? 65535 - UdpHeader.HeaderLength : 65535 - 20 - UdpHeader.HeaderLength;

    public void HandlePacket(in TransportPacketInfo info, PacketBuffer packet)
    {
        if (!UdpHeader.TryParse(packet.Span, out UdpHeader udp))
        {
            Drop(packet, ref _stats.InErrors);
            return;
        }
        if (!packet.Offload.ChecksumValid && !udp.IsChecksumValid(info.Source, info.Destination))
        {
            Interlocked.Increment(ref _stats.InCsumErrors);
            Drop(packet, ref _stats.InErrors);
            return;
        }
        ushort sourcePort = udp.SourcePort;
        ushort destinationPort = udp.DestinationPort;
        int length = udp.Length;
        UdpSocket? socket = Lookup(info.Destination, destinationPort, info.Source, sourcePort);
        if (socket is null)
        {
            Interlocked.Increment(ref _stats.NoPorts);
            SendPortUnreachable(info, packet);
            packet.Release();
            return;
        }
        packet.Truncate(length);
        packet.TrimFront(UdpHeader.HeaderLength);
        if (socket.Enqueue(packet, info.Source, sourcePort))
        {
            Interlocked.Increment(ref _stats.InDatagrams);
        }
        else
        {
            Interlocked.Increment(ref _stats.RcvbufErrors);
            Drop(packet, ref _stats.InErrors);
        }
    }

    public void HandleError(in TransportErrorInfo error)
    {
        UdpSocket? socket;
        lock (_lock)
        {
            _sockets.TryGetValue(new UdpDemuxKey(error.LocalAddress, error.LocalPort, error.RemoteAddress, error.RemotePort), out socket);
        }
        // Like Linux, only connected sockets learn of errors (an unconnected socket cannot tell whose they are).
        socket?.OnError(error);
    }

    private void SendPortUnreachable(in TransportPacketInfo info, PacketBuffer packet)
    {
        if (info.Destination.IsMulticast || info.Destination.IsBroadcast)
        {
            return;
        }
        if (info.Destination.IsV6)
        {
            _stack.Ipv6.SendUnreachable(info, packet, IcmpV6Code.PortUnreachable);
        }
        else
        {
            _stack.Ipv4.SendUnreachable(info, packet, IcmpV4Code.PortUnreachable);
        }
    }

    private UdpSocket? Lookup(NetAddress local, ushort localPort, NetAddress remote, ushort remotePort)
    {
        NetAddress any = new(UInt128.Zero, local.IsV6);
        lock (_lock)
        {
            if (_sockets.Count == 0)
            {
                return null;
            }
            if (_sockets.TryGetValue(new UdpDemuxKey(local, localPort, remote, remotePort), out UdpSocket? s)
                || _sockets.TryGetValue(new UdpDemuxKey(local, localPort, new NetAddress(UInt128.Zero, local.IsV6), 0), out s)
                || _sockets.TryGetValue(new UdpDemuxKey(any, localPort, remote, remotePort), out s)
                || _sockets.TryGetValue(new UdpDemuxKey(any, localPort, any, 0), out s))
            {
                return s;
            }
        }
        return null;
    }

    internal void Register(in UdpDemuxKey key, UdpSocket socket)
    {
        lock (_lock)
        {
            if (!_sockets.TryAdd(key, socket))
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }
    }

    internal void Unregister(in UdpDemuxKey key, UdpSocket socket)
    {
        lock (_lock)
        {
            if (_sockets.TryGetValue(key, out UdpSocket? s) && s == socket)
            {
                _sockets.Remove(key);
            }
        }
    }

    /// <summary>Builds and sends one datagram. Returns why it was not sent, or Success.</summary>
    internal SocketError Send(ReadOnlySpan<byte> payload, NetAddress local, ushort localPort, NetAddress remote, ushort remotePort)
    {
        if (payload.Length > MaxPayload(remote.IsV6))
        {
            Interlocked.Increment(ref _stats.SndbufErrors);
            return SocketError.MessageSize;
        }
        if (!_stack.TryFindRoute(remote, out RouteInfo route))
        {
            Interlocked.Increment(ref (remote.IsV6 ? ref _stack.Statistics.Ip6.OutNoRoutes : ref _stack.Statistics.Ip.OutNoRoutes));
            return SocketError.NetworkUnreachable;
        }
        NetAddress source = local.IsUnspecified ? route.LocalAddress : local;
        int length = UdpHeader.HeaderLength + payload.Length;
        PacketBuffer packet = _stack.Pool.Rent(length);
        Span<byte> datagram = packet.Append(length);
        UdpHeader.Write(datagram, localPort, remotePort, length);
        payload.CopyTo(datagram[UdpHeader.HeaderLength..]);
        _ = UdpHeader.TryParse(datagram, out UdpHeader udp);
        udp.SetChecksum(source, remote);
        SocketError result = _stack.SendTransport(packet, source, remote, IpProtocol.Udp, route);
        if (result == SocketError.Success)
        {
            Interlocked.Increment(ref _stats.OutDatagrams);
        }
        else
        {
            Interlocked.Increment(ref _stats.SndbufErrors);
        }
        return result;
    }

    internal NetStack Stack => _stack;

    private static void Drop(PacketBuffer packet, ref long counter)
    {
        Interlocked.Increment(ref counter);
        packet.Release();
    }
}

/// <summary>A demultiplexing key: local address and port, remote address and port (unspecified and 0 when not connected).</summary>
internal readonly record struct UdpDemuxKey(NetAddress LocalAddress, ushort LocalPort, NetAddress RemoteAddress, ushort RemotePort);
