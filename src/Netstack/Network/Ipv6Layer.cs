using System.Buffers.Binary;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// IPv6 for one stack (RFC 8200): input validation with the extension header chain, reassembly, local
/// delivery by upper-layer protocol, and output with source fragmentation (§4.5).
/// </summary>
/// <remarks>
/// A datagram is ours when its destination is one of our addresses, the all-nodes group ff02::1, or the
/// solicited-node group of one of our addresses (RFC 4291 §2.8: a node joins these). Hop-by-Hop and
/// Destination options are checked by <see cref="Ipv6Options"/> (unknown ones handled as their type says). A Routing header with segments left is not ours to
/// forward: dropped (InHdrErrors) with a parameter problem, code 0, pointing at its type (RFC 8200 §4.4, RFC 5095). Unknown upper layers get a parameter problem, code 1, pointing at the
/// next-header field (RFC 8200 §4, RFC 4443 §3.4).
/// </remarks>
internal sealed class Ipv6Layer : IDisposable
{
    private readonly NetStack _stack;
    private readonly Ipv6Statistics _stats;
    private readonly Reassembler _reassembler;

    public Ipv6Layer(NetStack stack)
    {
        _stack = stack;
        _stats = stack.Statistics.Ip6;
        Icmp = new IcmpV6Protocol(stack, this);
        _reassembler = new Reassembler(stack, isV6: true, stack.Options.Ipv6ReassemblyTimeout, Icmp.OnReassemblyTimeout);
    }

    public IcmpV6Protocol Icmp { get; }

    internal Reassembler Reassembler => _reassembler;

    public void Receive(NetInterface nic, PacketBuffer packet, in TransmitContext tx)
    {
        Interlocked.Increment(ref _stats.InReceives);
        if (!Ipv6Header.TryParse(packet.Span, out Ipv6Header ip))
        {
            if (packet.Length >= Ipv6Header.Length && (packet.Span[0] >> 4) == 6)
            {
                Interlocked.Increment(ref _stats.InTruncatedPkts);
            }
            Drop(packet, ref _stats.InHdrErrors, "bad header");
            return;
        }
        Interlocked.Add(ref _stats.InEcnPkts((EcnCodepoint)(ip.TrafficClass & 3)), Math.Max(1, (int)packet.Offload.SegmentCount));
        NetAddress source = ip.Source;
        NetAddress destination = ip.Destination;
        bool multicast = destination.IsMulticast;
        if (!(multicast ? nic.HasJoined(destination) : (nic.HasAddress(destination) || _stack.IsLocalAddress(destination) || _stack.AcceptAnyDestination))
            || destination.IsLoopback || IsMartianSource(source))
        {
            Drop(packet, ref _stats.InAddrErrors, "not addressed to us or a martian source");
            return;
        }
        if (multicast)
        {
            Interlocked.Increment(ref _stats.InMcastPkts);
        }
        packet.Truncate(Ipv6Header.Length + ip.PayloadLength);
        if (!Ipv6ExtensionHeaders.TryParse(packet.Span, out Ipv6ExtensionHeaders chain))
        {
            Drop(packet, ref _stats.InHdrErrors, "bad extension header chain");
            return;
        }
        if (!CheckOptions(packet, chain, multicast, tx))
        {
            return;
        }
        if (chain.RoutingSegmentsLeft != 0)
        {
            // RFC 8200 §4.4: a routing type we do not implement (every one: a host, and Type 0 is deprecated by
            // RFC 5095 §3) with segments left draws parameter problem code 0 pointing at its Routing Type field.
            // With none left it is ignored, and the packet goes on to the next header.
            Icmp.SendError(packet.Span, IcmpV6Type.ParameterProblem, IcmpV6Code.ErroneousHeaderField, (uint)FindRoutingTypeField(packet.Span), multicast, tx);
            Drop(packet, ref _stats.InHdrErrors, "routing header with segments left");
            return;
        }
        if (chain.IsFragment)
        {
            Interlocked.Increment(ref _stats.ReasmReqds);
            byte nextHeader = packet.Span[chain.FragmentHeaderOffset];
            int dataStart = chain.FragmentHeaderOffset + Ipv6FragmentHeader.Length;
            // Only the fixed header is kept as the unfragmentable part; its next header becomes the fragmentable part's.
            Span<byte> header = stackalloc byte[Ipv6Header.Length];
            packet.Span[..Ipv6Header.Length].CopyTo(header);
            header[Ipv6Header.NextHeaderOffset] = nextHeader;
            var key = new ReassemblyKey(source, destination, chain.FragmentIdentification, 0);
            PacketBuffer? whole = _reassembler.Add(key, chain.FragmentOffset, chain.MoreFragments, packet.Span[dataStart..], header, nic.Id, out _);
            packet.Release();
            if (whole is null)
            {
                return;
            }
            packet = whole;
            BinaryPrimitives.WriteUInt16BigEndian(packet.Span[Ipv6Header.PayloadLengthOffset..], (ushort)(packet.Length - Ipv6Header.Length));
            if (!Ipv6ExtensionHeaders.TryParse(packet.Span, out chain) || chain.HasFragmentHeader)
            {
                Drop(packet, ref _stats.InHdrErrors, "bad extension header chain after reassembly");
                return;
            }
            if (!CheckOptions(packet, chain, multicast, tx))
            {
                return;
            }
        }
        Deliver(nic, packet, chain, multicast, tx);
    }

    /// <summary>
    /// A source no node on a link may use: multicast (RFC 4291 §2.7), the loopback address ::1, which "must not be
    /// sent outside a single node" nor accepted from a link (§2.5.3), and IPv4-mapped addresses (::ffff:0:0/96, which
    /// only sockets use, RFC 4038 §4.2; Linux's ipv6_rcv drops them too).
    /// </summary>
    private static bool IsMartianSource(NetAddress source) =>
        source.IsMulticast || source.IsLoopback || (source.Bits >> 32) == 0xFFFF;

    /// <summary>Applies RFC 8200 §4.2 to the option headers; false when the packet was dropped (and released).</summary>
    private bool CheckOptions(PacketBuffer packet, in Ipv6ExtensionHeaders chain, bool multicast, in TransmitContext tx)
    {
        if (chain.HeaderCount == 0)
        {
            return true;
        }
        Ipv6Options.Verdict verdict = Ipv6Options.Check(packet.Span, chain.UpperLayerOffset, multicast, out int pointer);
        if (verdict == Ipv6Options.Verdict.Accept)
        {
            return true;
        }
        if (verdict == Ipv6Options.Verdict.DiscardWithError)
        {
            Icmp.SendError(packet.Span, IcmpV6Type.ParameterProblem, IcmpV6Code.UnrecognizedOption, (uint)pointer, multicast, tx);
        }
        Drop(packet, ref _stats.InHdrErrors, "an option says discard");
        return false;
    }

    private void Deliver(NetInterface nic, PacketBuffer packet, in Ipv6ExtensionHeaders chain, bool multicast, in TransmitContext tx)
    {
        _ = Ipv6Header.TryParse(packet.Span, out Ipv6Header ip);
        byte protocol = chain.UpperLayerProtocol;
        var info = new TransportPacketInfo(ip.Source, ip.Destination, protocol, nic.Id, ip.HopLimit, chain.UpperLayerOffset)
        {
            Ecn = (EcnCodepoint)(ip.TrafficClass & 3),
            IsBroadcastOrMulticast = multicast,
        };
        if (protocol == IpProtocol.IcmpV6)
        {
            Interlocked.Increment(ref _stats.InDelivers);
            Icmp.Receive(nic, packet, chain.UpperLayerOffset, multicast, tx);
            return;
        }
        if (protocol == IpProtocol.NoNextHeader)
        {
            Interlocked.Increment(ref _stats.InDelivers);
            packet.Release();
            return;
        }
        ITransportHandler? handler = _stack.GetTransport(protocol);
        if (handler is null)
        {
            Interlocked.Increment(ref _stats.InUnknownProtos);
            if (!multicast)
            {
                int pointer = chain.HeaderCount == 0 ? Ipv6Header.NextHeaderOffset : FindNextHeaderField(packet.Span, chain);
                Icmp.SendError(packet.Span, IcmpV6Type.ParameterProblem, IcmpV6Code.UnrecognizedNextHeader, (uint)pointer, multicast, tx);
            }
            packet.Release();
            return;
        }
        Interlocked.Increment(ref _stats.InDelivers);
        packet.TrimFront(chain.UpperLayerOffset);
        if (handler.HandlePacket(info, packet, tx) == TransportDisposition.PortUnreachable)
        {
            // RFC 4443 §3.1: port unreachable (code 4), never for a multicast destination (§2.4(e)), quoting the datagram.
            packet.Prepend(chain.UpperLayerOffset);
            if (!multicast)
            {
                Icmp.SendError(packet.Span, IcmpV6Type.DestinationUnreachable, IcmpV6Code.PortUnreachable, 0, multicastDestination: false, tx);
            }
            packet.Release();
        }
    }

    /// <summary>The offset of the Routing header's Routing Type field (its third byte), which the chain holds once.</summary>
    private static int FindRoutingTypeField(ReadOnlySpan<byte> packet)
    {
        byte next = packet[Ipv6Header.NextHeaderOffset];
        int offset = Ipv6Header.Length;
        while (next != IpProtocol.Routing && offset + 2 <= packet.Length)
        {
            int length = next == IpProtocol.Fragment ? Ipv6FragmentHeader.Length : (packet[offset + 1] + 1) * 8;
            next = packet[offset];
            offset += length;
        }
        return offset + 2;
    }

    /// <summary>The offset of the next-header field that named the upper layer (the last extension header's first byte).</summary>
    private static int FindNextHeaderField(ReadOnlySpan<byte> packet, in Ipv6ExtensionHeaders chain)
    {
        byte next = packet[Ipv6Header.NextHeaderOffset];
        int offset = Ipv6Header.Length;
        int field = Ipv6Header.NextHeaderOffset;
        while (offset < chain.UpperLayerOffset && offset + 2 <= packet.Length)
        {
            field = offset;
            int length = next == IpProtocol.Fragment ? Ipv6FragmentHeader.Length : (packet[offset + 1] + 1) * 8;
            next = packet[offset];
            offset += length;
        }
        return field;
    }

    /// <summary>
    /// Prepends the IPv6 header and writes the datagram, fragmenting at the source when it exceeds the MTU, with
    /// <paramref name="ecn"/> in the low bits of the traffic class (RFC 3168 §5) and <paramref name="typeOfService"/>'s
    /// upper six bits above it. Takes the reference.
    /// </summary>
    public SocketError Send(PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, in RouteInfo route, in TransmitContext tx, byte hopLimit = 0, EcnCodepoint ecn = EcnCodepoint.NotEct, byte typeOfService = 0)
    {
        Interlocked.Increment(ref _stats.OutRequests);
        NetInterface? nic = _stack.GetInterface(route.InterfaceId);
        if (nic is null)
        {
            Drop(packet, ref _stats.OutNoRoutes, "no interface for the route");
            return SocketError.NetworkUnreachable;
        }
        if (hopLimit == 0)
        {
            hopLimit = _stack.Options.DefaultTtl;
        }
        int mtu = Math.Max(nic.Link.Mtu, 1280);
        int payloadLength = packet.Length;
        bool gso = packet.Offload.GsoType != GsoType.None;
        if (gso && !_stack.CanSegment(nic, packet.Offload.GsoType))
        {
            Drop(packet, ref _stats.OutDiscards, "the link cannot segment it");
            return SocketError.MessageSize;
        }
        if (Ipv6Header.Length + payloadLength <= mtu || gso)
        {
            if (packet.Headroom < Ipv6Header.Length || payloadLength > 65535)
            {
                Drop(packet, ref _stats.OutDiscards, "no headroom or longer than 65535 bytes");
                return payloadLength > 65535 ? SocketError.MessageSize : SocketError.NoBufferSpaceAvailable;
            }
            if (gso || packet.Offload.NeedsChecksum)
            {
                packet.Offload.HeaderLength += Ipv6Header.Length;
                packet.Offload.ChecksumStart += Ipv6Header.Length;
            }
            Ipv6Header.Write(packet.Prepend(Ipv6Header.Length), source, destination, protocol, payloadLength, hopLimit, trafficClass: (byte)((typeOfService & ~0x3) | (byte)ecn));
            _stack.Transmit(nic, packet, tx);
            return SocketError.Success;
        }
        if (protocol == IpProtocol.Tcp || packet.Offload.NeedsChecksum || payloadLength > 65535)
        {
            Drop(packet, ref _stats.FragFails, "needs fragmenting but may not be (TCP, checksum offload or jumbo)");
            return SocketError.MessageSize;
        }
        return Fragment(nic, packet, source, destination, protocol, hopLimit, mtu, tx);
    }

    /// <summary>RFC 8200 §4.5: each fragment is the fixed header, a Fragment header with an identification from the stack's keyed per-flow counters (RFC 7739 §5.1), and a multiple of 8 bytes.</summary>
    private SocketError Fragment(NetInterface nic, PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, byte hopLimit, int mtu, in TransmitContext tx)
    {
        const int headers = Ipv6Header.Length + Ipv6FragmentHeader.Length;
        int chunk = (mtu - headers) & ~7;
        uint identification = _stack.IpIdentification.Next(source, destination, protocol, 1);
        ReadOnlySpan<byte> data = packet.Span;
        int created = 0;
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            int length = Math.Min(chunk, data.Length - offset);
            bool more = offset + length < data.Length;
            PacketBuffer fragment = _stack.Pool.Rent(headers + length);
            Span<byte> bytes = fragment.Append(headers + length);
            Ipv6Header.Write(bytes, source, destination, IpProtocol.Fragment, Ipv6FragmentHeader.Length + length, hopLimit);
            Ipv6FragmentHeader.Write(bytes[Ipv6Header.Length..], protocol, offset, more, identification);
            data.Slice(offset, length).CopyTo(bytes[headers..]);
            _stack.Transmit(nic, fragment, tx);
            created++;
        }
        packet.Release();
        Interlocked.Add(ref _stats.FragCreates, created);
        Interlocked.Increment(ref _stats.FragOKs);
        return SocketError.Success;
    }

    /// <summary>Counts and frees a packet this layer will not carry; at Trace it logs <paramref name="reason"/> (a literal: nothing is allocated).</summary>
    private void Drop(PacketBuffer packet, ref long counter, string reason)
    {
        Interlocked.Increment(ref counter);
        StackLog.PacketDropped(_stack.Logger, "IPv6", packet.Length, reason);
        packet.Release();
    }

    public void Dispose() => _reassembler.Dispose();
}
