using System.Buffers.Binary;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// IPv4 for one stack (RFC 791, RFC 1122 §3.2.1): input validation, reassembly, local delivery by protocol,
/// and output with fragmentation. A host, not a router: datagrams for other addresses are dropped and counted.
/// </summary>
/// <remarks>
/// Input checks, in order, each with its <c>netstat -s</c> counter: version and lengths (InHdrErrors, and
/// InTruncatedPkts when shorter than the total length), header checksum unless the link vouched for it
/// (InCsumErrors), destination ours, broadcast or all-hosts and never loopback (InAddrErrors), source not a martian
/// (multicast, broadcast, loopback, class E, or 0.0.0.0 but to the limited broadcast: InAddrErrors, RFC 1122 §3.2.1.3). Options are not interpreted (RFC 1122 §3.2.1.8 lets a host ignore those it does not
/// implement) but kept, so they never confuse the lengths. The TTL is not checked on local delivery
/// (RFC 1122 §3.2.1.7: a host must not discard a datagram for a low TTL).
/// </remarks>
internal sealed class Ipv4Layer : IDisposable
{
    private readonly NetStack _stack;
    private readonly Ipv4Statistics _stats;
    private readonly Reassembler _reassembler;

    public Ipv4Layer(NetStack stack)
    {
        _stack = stack;
        _stats = stack.Statistics.Ip;
        Icmp = new IcmpV4Protocol(stack, this);
        _reassembler = new Reassembler(stack, isV6: false, stack.Options.Ipv4ReassemblyTimeout, Icmp.OnReassemblyTimeout);
    }

    public IcmpV4Protocol Icmp { get; }

    internal Reassembler Reassembler => _reassembler;

    public void Receive(NetInterface nic, PacketBuffer packet, in TransmitContext tx)
    {
        Interlocked.Increment(ref _stats.InReceives);
        if (!Ipv4Header.TryParse(packet.Span, out Ipv4Header ip))
        {
            if (packet.Length >= Ipv4Header.MinLength && (packet.Span[0] >> 4) == 4
                && BinaryPrimitives.ReadUInt16BigEndian(packet.Span[Ipv4Header.TotalLengthOffset..]) > packet.Length)
            {
                Interlocked.Increment(ref _stats.InTruncatedPkts);
            }
            Drop(packet, ref _stats.InHdrErrors, "bad header");
            return;
        }
        // Always checked, as Linux's ip_rcv does: a link's "checksum valid" vouches for the transport checksum only.
        if (!ip.IsChecksumValid)
        {
            Interlocked.Increment(ref _stats.InCsumErrors);
            Drop(packet, ref _stats.InHdrErrors, "bad header checksum");
            return;
        }
        Interlocked.Add(ref _stats.InEcnPkts((EcnCodepoint)ip.Ecn), Math.Max(1, (int)packet.Offload.SegmentCount));
        NetAddress source = ip.Source;
        NetAddress destination = ip.Destination;
        int totalLength = ip.TotalLength;
        CastKind cast = Classify(nic, destination);
        if (cast == CastKind.NotOurs || IsMartianSource(nic, source, destination))
        {
            Drop(packet, ref _stats.InAddrErrors, "not addressed to us or a martian source");
            return;
        }
        if (cast == CastKind.Broadcast)
        {
            Interlocked.Increment(ref _stats.InBcastPkts);
        }
        else if (cast == CastKind.Multicast)
        {
            Interlocked.Increment(ref _stats.InMcastPkts);
        }
        packet.Truncate(totalLength); // drop link padding
        if (ip.IsFragment)
        {
            Interlocked.Increment(ref _stats.ReasmReqds);
            var key = new ReassemblyKey(source, destination, ip.Identification, ip.Protocol);
            PacketBuffer? whole = _reassembler.Add(key, ip.FragmentOffset, ip.MoreFragments, ip.Payload, ip.Header, nic.Id, out ReassembledInfo info);
            packet.Release();
            if (whole is null)
            {
                return;
            }
            packet = whole;
            // The first fragment's header now fronts the whole datagram: make it describe the datagram.
            Span<byte> h = packet.Span;
            BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Header.TotalLengthOffset..], (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Header.FlagsFragmentOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Header.ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Header.ChecksumOffset..], Checksum.Compute(h[..info.HeaderLength]));
        }
        Deliver(nic, packet, cast, tx);
    }

    private void Deliver(NetInterface nic, PacketBuffer packet, CastKind cast, in TransmitContext tx)
    {
        _ = Ipv4Header.TryParse(packet.Span, out Ipv4Header ip);
        int headerLength = ip.HeaderLength;
        byte protocol = ip.Protocol;
        var info = new TransportPacketInfo(ip.Source, ip.Destination, protocol, nic.Id, ip.TimeToLive, headerLength)
        {
            Ecn = (EcnCodepoint)ip.Ecn,
            IsBroadcastOrMulticast = cast != CastKind.Unicast,
        };
        if (protocol == IpProtocol.Icmp)
        {
            Interlocked.Increment(ref _stats.InDelivers);
            Icmp.Receive(nic, packet, headerLength, cast != CastKind.Unicast, tx);
            return;
        }
        ITransportHandler? handler = _stack.GetTransport(protocol);
        if (handler is null)
        {
            Interlocked.Increment(ref _stats.InUnknownProtos);
            if (cast == CastKind.Unicast)
            {
                Icmp.SendError(packet.Span, IcmpV4Type.DestinationUnreachable, IcmpV4Code.ProtocolUnreachable, 0, tx);
            }
            packet.Release();
            return;
        }
        Interlocked.Increment(ref _stats.InDelivers);
        packet.TrimFront(headerLength);
        if (handler.HandlePacket(info, packet, tx) == TransportDisposition.PortUnreachable)
        {
            // RFC 1122 §3.2.2.1: port unreachable, not for broadcast or multicast (§3.2.2), quoting the datagram.
            packet.Prepend(headerLength);
            if (cast == CastKind.Unicast && !nic.IsSubnetBroadcast(info.Destination))
            {
                Icmp.SendError(packet.Span, IcmpV4Type.DestinationUnreachable, IcmpV4Code.PortUnreachable, 0, tx);
            }
            packet.Release();
        }
    }

    /// <summary>
    /// Prepends the IPv4 header and writes the datagram (fragmenting when allowed), with <paramref name="ecn"/> in the
    /// low bits of the type of service (RFC 3168 §5; the header checksum covers it) and <paramref name="typeOfService"/>'s
    /// upper six bits above it (its ECN bits are ignored). TCP segments carry Don't Fragment unless
    /// <paramref name="tcpDontFragment"/> is false (the connection turned path MTU discovery off). Takes the reference.
    /// </summary>
    public SocketError Send(PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, in RouteInfo route, in TransmitContext tx, byte ttl = 0, EcnCodepoint ecn = EcnCodepoint.NotEct, byte typeOfService = 0, bool tcpDontFragment = true)
    {
        Interlocked.Increment(ref _stats.OutRequests);
        NetInterface? nic = _stack.GetInterface(route.InterfaceId);
        if (nic is null)
        {
            Drop(packet, ref _stats.OutNoRoutes, "no interface for the route");
            return SocketError.NetworkUnreachable;
        }
        if (ttl == 0)
        {
            ttl = _stack.Options.DefaultTtl;
        }
        int mtu = nic.Link.Mtu;
        bool dontFragment = protocol == IpProtocol.Tcp && tcpDontFragment; // TCP does path MTU discovery (RFC 1191); others may fragment
        int totalLength = packet.Length + Ipv4Header.MinLength;
        bool gso = packet.Offload.GsoType != GsoType.None;
        if (gso && !_stack.CanSegment(nic, packet.Offload.GsoType))
        {
            Drop(packet, ref _stats.OutDiscards, "the link cannot segment it");
            return SocketError.MessageSize;
        }
        if (totalLength <= mtu || gso)
        {
            if (packet.Headroom < Ipv4Header.MinLength || totalLength > 65535)
            {
                Drop(packet, ref _stats.OutDiscards, "no headroom or longer than 65535 bytes");
                return totalLength > 65535 ? SocketError.MessageSize : SocketError.NoBufferSpaceAvailable;
            }
            if (gso || packet.Offload.NeedsChecksum)
            {
                packet.Offload.HeaderLength += Ipv4Header.MinLength;
                packet.Offload.ChecksumStart += Ipv4Header.MinLength;
            }
            // A super-segment reserves one identification per segment it becomes (Linux ip_select_ident_segs).
            ushort id = (ushort)_stack.IpIdentification.Next(source, destination, protocol, gso ? Math.Max((int)packet.Offload.SegmentCount, 1) : 1);
            Ipv4Header.Write(packet.Prepend(Ipv4Header.MinLength), source, destination, protocol, totalLength, id, ttl, dontFragment, typeOfService: (byte)((typeOfService & ~0x3) | (byte)ecn));
            _stack.Transmit(nic, packet, tx);
            return SocketError.Success;
        }
        if (dontFragment || packet.Offload.NeedsChecksum)
        {
            Drop(packet, ref _stats.FragFails, "needs fragmenting but may not be (DF or checksum offload)");
            return SocketError.MessageSize;
        }
        return Fragment(nic, packet, source, destination, protocol, (ushort)_stack.IpIdentification.Next(source, destination, protocol, 1), ttl, mtu, tx);
    }

    /// <summary>RFC 791 §3.2 fragmentation at the source: every fragment but the last carries a multiple of 8 data bytes.</summary>
    private SocketError Fragment(NetInterface nic, PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, ushort id, byte ttl, int mtu, in TransmitContext tx)
    {
        int chunk = (mtu - Ipv4Header.MinLength) & ~7;
        if (chunk < 8)
        {
            Drop(packet, ref _stats.FragFails, "MTU too small to fragment");
            return SocketError.MessageSize;
        }
        ReadOnlySpan<byte> data = packet.Span;
        int created = 0;
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            int length = Math.Min(chunk, data.Length - offset);
            bool more = offset + length < data.Length;
            PacketBuffer fragment = _stack.Pool.Rent(Ipv4Header.MinLength + length);
            Span<byte> bytes = fragment.Append(Ipv4Header.MinLength + length);
            Ipv4Header.Write(bytes, source, destination, protocol, Ipv4Header.MinLength + length, id, ttl, dontFragment: false, fragmentOffset: offset, moreFragments: more);
            data.Slice(offset, length).CopyTo(bytes[Ipv4Header.MinLength..]);
            _stack.Transmit(nic, fragment, tx);
            created++;
        }
        packet.Release();
        Interlocked.Add(ref _stats.FragCreates, created);
        Interlocked.Increment(ref _stats.FragOKs);
        return SocketError.Success;
    }

    /// <summary>
    /// RFC 1122 §3.2.1.3 (and RFC 1812 §5.3.7): a source that no host on a link may use. Multicast, broadcast (limited
    /// or this subnet's), 127/8 (every interface here is a link, none is loopback: (g) says it must not appear outside
    /// a host) and class E (240/4, reserved); 0.0.0.0 only to the limited broadcast, as a host that does not yet know
    /// its address sends (DHCP DISCOVER, RFC 2131 §4.1), which Linux accepts too.
    /// </summary>
    private static bool IsMartianSource(NetInterface nic, NetAddress source, NetAddress destination) =>
        source.IsMulticast || source.IsBroadcast || source.IsLoopback || (source.V4 >> 28) == 0xF || nic.IsSubnetBroadcast(source)
        || (source.IsUnspecified && !destination.IsBroadcast);

    private CastKind Classify(NetInterface nic, NetAddress destination)
    {
        if (destination.IsLoopback)
        {
            return CastKind.NotOurs; // RFC 1122 §3.2.1.3(g): 127/8 never arrives from a link, not even for a forwarder
        }
        if (nic.HasAddress(destination) || _stack.IsLocalAddress(destination))
        {
            return CastKind.Unicast;
        }
        if (destination.IsBroadcast || nic.IsSubnetBroadcast(destination))
        {
            return CastKind.Broadcast;
        }
        if (destination.V4 == 0xE0000001) // 224.0.0.1, all systems (RFC 1112): every host is a member
        {
            return CastKind.Multicast;
        }
        // A forwarder answers for every unicast address (gVisor's promiscuous mode with spoofing).
        return _stack.AcceptAnyDestination && !destination.IsMulticast && !destination.IsUnspecified ? CastKind.Unicast : CastKind.NotOurs;
    }

    /// <summary>Counts and frees a packet this layer will not carry; at Trace it logs <paramref name="reason"/> (a literal: nothing is allocated).</summary>
    private void Drop(PacketBuffer packet, ref long counter, string reason)
    {
        Interlocked.Increment(ref counter);
        StackLog.PacketDropped(_stack.Logger, "IPv4", packet.Length, reason);
        packet.Release();
    }

    public void Dispose() => _reassembler.Dispose();
}

/// <summary>How an inbound datagram was addressed to us.</summary>
internal enum CastKind : byte
{
    NotOurs,
    Unicast,
    Broadcast,
    Multicast,
}
