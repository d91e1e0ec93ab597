using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
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
internal sealed class UdpProtocol : ITransportHandler
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

    /// <summary>Where datagrams nobody listens for open flows when set (see <see cref="ForwardingExtensions.ForwardUdp"/>).</summary>
    internal UdpForwarder? Forwarder => Volatile.Read(ref ForwarderSlot);

    internal UdpForwarder? ForwarderSlot;

    /// <summary>The largest payload a datagram can carry over <paramref name="isV6"/>: 65535 minus the headers.</summary>
    public static int MaxPayload(bool isV6) => isV6 ? 65535 - UdpHeader.HeaderLength : 65535 - 20 - UdpHeader.HeaderLength;

    TransportDisposition ITransportHandler.HandlePacket(in TransportPacketInfo info, PacketBuffer packet, in TransmitContext tx)
    {
        if (!UdpHeader.TryParse(packet.Span, out UdpHeader udp))
        {
            StackLog.PacketDropped(_stack.Logger, "UDP", packet.Length, "bad header");
            Drop(packet, ref _stats.InErrors);
            return TransportDisposition.Malformed;
        }
        if (!packet.Offload.ChecksumValid && !udp.IsChecksumValid(info.Source, info.Destination))
        {
            Interlocked.Increment(ref _stats.InCsumErrors);
            StackLog.DatagramDropped(_stack.Logger, info.Source, udp.SourcePort, info.Destination, udp.DestinationPort, "bad checksum");
            Drop(packet, ref _stats.InErrors);
            return TransportDisposition.Malformed;
        }
        ushort sourcePort = udp.SourcePort;
        ushort destinationPort = udp.DestinationPort;
        int length = udp.Length;
        UdpSocket? socket = Lookup(info.Destination, destinationPort, info.Source, sourcePort);
        if (socket is null && Forwarder is UdpForwarder forwarder && !info.Destination.IsMulticast && !info.Destination.IsBroadcast)
        {
            socket = forwarder.TryOpenFlow(info.Destination, destinationPort, info.Source, sourcePort);
            if (socket is null)
            {
                StackLog.DatagramDropped(_stack.Logger, info.Source, sourcePort, info.Destination, destinationPort, "the forwarder's flow table is full");
                Drop(packet, ref _stats.InErrors); // counted there too
                return TransportDisposition.Delivered;
            }
        }
        if (socket is null)
        {
            Interlocked.Increment(ref _stats.NoPorts);
            return TransportDisposition.PortUnreachable; // IP quotes the datagram in its ICMP error
        }
        packet.Truncate(length);
        packet.TrimFront(UdpHeader.HeaderLength);
        int segmentSize = packet.Offload.GsoType == GsoType.UdpL4 ? packet.Offload.GsoSize : 0;
        if (segmentSize > 0 && packet.Length > segmentSize)
        {
            if (socket.ReceiveCoalesced)
            {
                packet.Offload = default;
                Deliver(socket, packet, info.Source, sourcePort, segmentSize); // the socket takes the run whole (UDP_GRO)
            }
            else
            {
                DeliverSegments(socket, packet, segmentSize, info.Source, sourcePort);
            }
            return TransportDisposition.Delivered;
        }
        Deliver(socket, packet, info.Source, sourcePort);
        return TransportDisposition.Delivered;
    }

    /// <summary>
    /// A super-datagram (USO from the kernel behind vnet_hdr, or a peer stack's over a link with
    /// <see cref="LinkCapabilities.UdpGso"/>): its checksum covered all of it; the socket receives the datagrams
    /// it stands for, one by one. The last one stays in the packet's own buffer.
    /// </summary>
    private void DeliverSegments(UdpSocket socket, PacketBuffer packet, int segmentSize, NetAddress source, ushort sourcePort)
    {
        int front = (packet.Length - 1) / segmentSize * segmentSize;
        for (int offset = 0; offset < front; offset += segmentSize)
        {
            Deliver(socket, _stack.Pool.RentCopy(packet.Span.Slice(offset, segmentSize)), source, sourcePort);
        }
        packet.TrimFront(front);
        packet.Offload = default;
        Deliver(socket, packet, source, sourcePort);
    }

    private void Deliver(UdpSocket socket, PacketBuffer packet, NetAddress source, ushort sourcePort, int segmentSize = 0)
    {
        int datagrams = segmentSize == 0 ? 1 : (packet.Length + segmentSize - 1) / segmentSize;
        if (socket.Enqueue(packet, source, sourcePort, out bool overMemoryLimit, segmentSize))
        {
            Interlocked.Add(ref _stats.InDatagrams, datagrams);
        }
        else
        {
            Interlocked.Increment(ref overMemoryLimit ? ref _stats.MemErrors : ref _stats.RcvbufErrors);
            StackLog.DatagramFromDropped(_stack.Logger, source, sourcePort, overMemoryLimit ? "the stack's UDP receive memory is full" : "the socket's receive buffer is full");
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

    /// <summary>
    /// Sends <paramref name="payload"/> as one datagram, or, with <paramref name="segmentSize"/> &gt; 0 and a longer
    /// payload, as datagrams of <paramref name="segmentSize"/> bytes (the last shorter), like Linux's UDP_SEGMENT:
    /// one super-datagram the link or the stack's software GSO splits (<see cref="Offload.UdpSegmenter"/>).
    /// </summary>
    /// <returns>Why it was not sent, or <see cref="SocketError.Success"/>.</returns>
    internal SocketError Send(ReadOnlySpan<byte> payload, NetAddress local, ushort localPort, NetAddress remote, ushort remotePort, int segmentSize = 0)
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
        if (segmentSize > 0 && payload.Length > segmentSize)
        {
            // Linux udp_send_skb: each segment must fit the MTU, and there are at most UDP_MAX_SEGMENTS of them.
            int ipHeader = remote.IsV6 ? 40 : 20;
            int segments = (payload.Length + segmentSize - 1) / segmentSize;
            if (ipHeader + UdpHeader.HeaderLength + segmentSize > route.Mtu || segments > MaxSegments)
            {
                Interlocked.Increment(ref _stats.SndbufErrors);
                return SocketError.InvalidArgument;
            }
            if ((route.Capabilities & LinkCapabilities.UdpGso) == 0)
            {
                return SendEach(payload, source, localPort, remote, remotePort, segmentSize, route);
            }
            return SendOne(payload, source, localPort, remote, remotePort, route, segmentSize, segments);
        }
        return SendOne(payload, source, localPort, remote, remotePort, route, 0, 1);
    }

    /// <summary>Linux's UDP_MAX_SEGMENTS: the most datagrams one UDP_SEGMENT send may carry.</summary>
    public const int MaxSegments = 128;

    private SocketError SendOne(ReadOnlySpan<byte> payload, NetAddress source, ushort localPort, NetAddress remote, ushort remotePort, in RouteInfo route, int segmentSize, int segments)
    {
        int length = UdpHeader.HeaderLength + payload.Length;
        PacketBuffer packet = _stack.Pool.Rent(length);
        Span<byte> datagram = packet.Append(length);
        UdpHeader.Write(datagram, localPort, remotePort, length);
        payload.CopyTo(datagram[UdpHeader.HeaderLength..]);
        _ = UdpHeader.TryParse(datagram, out UdpHeader udp);
        if (segmentSize == 0)
        {
            udp.SetChecksum(source, remote);
        }
        else
        {
            // A super-datagram carries the pseudo-header sum of its whole length and a partial checksum; whoever
            // splits it (the kernel behind vnet_hdr, or UdpSegmenter) writes each datagram's own.
            udp.Checksum = Checksum.Fold(Checksum.PseudoHeader(source, remote, IpProtocol.Udp, length));
            ref OffloadInfo offload = ref packet.Offload;
            offload.GsoType = GsoType.UdpL4;
            offload.GsoSize = (ushort)segmentSize;
            offload.SegmentCount = (ushort)segments;
            offload.HeaderLength = UdpHeader.HeaderLength;
            offload.NeedsChecksum = true;
            offload.ChecksumStart = 0;
            offload.ChecksumOffset = UdpHeader.ChecksumOffset;
        }
        SocketError result = _stack.SendTransport(packet, source, remote, IpProtocol.Udp, route);
        if (result == SocketError.Success)
        {
            Interlocked.Add(ref _stats.OutDatagrams, segments);
        }
        else
        {
            Interlocked.Increment(ref _stats.SndbufErrors);
        }
        return result;
    }

    /// <summary>No GSO towards this route (software GSO is off and the link has none): the datagrams go one by one.</summary>
    private SocketError SendEach(ReadOnlySpan<byte> payload, NetAddress source, ushort localPort, NetAddress remote, ushort remotePort, int segmentSize, in RouteInfo route)
    {
        for (int offset = 0; offset < payload.Length; offset += segmentSize)
        {
            SocketError result = SendOne(payload.Slice(offset, Math.Min(segmentSize, payload.Length - offset)), source, localPort, remote, remotePort, route, 0, 1);
            if (result != SocketError.Success)
            {
                return result;
            }
        }
        return SocketError.Success;
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
