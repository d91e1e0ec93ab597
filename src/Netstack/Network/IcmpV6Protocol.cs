using System.Buffers.Binary;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// ICMPv6 (RFC 4443) and the neighbour discovery a host must answer (RFC 4861): echo replies, neighbour
/// advertisements for our addresses, received errors passed to transports, and rate-limited error generation.
/// </summary>
/// <remarks>
/// RFC 4443 §2.4(e) forbids errors about errors, about datagrams to multicast addresses (except packet too big
/// and parameter problem code 2), and about datagrams from multicast or unspecified sources; §2.4(f) requires a
/// rate limit. Neighbour discovery messages are accepted only with hop limit 255 and code 0 (RFC 4861 §7.1.1),
/// so they cannot come from off-link. On links without link-layer addresses (TUN) the advertisement carries no
/// Target Link-Layer Address option.
/// </remarks>
internal sealed class IcmpV6Protocol(NetStack stack, Ipv6Layer ip)
{
    /// <summary>RFC 4443 §2.4(c): an error must not exceed the minimum IPv6 MTU.</summary>
    private const int MinimumMtu = 1280;

    private readonly IcmpStatistics _stats = stack.Statistics.Icmp6;
    private readonly IcmpRateLimiter _limiter = new(stack.TimeProvider, stack.Options.IcmpRateLimitPerSecond, stack.Options.IcmpRateLimitBurst);

    /// <summary>Raised (on the dispatcher thread) for each echo reply received: (source, identifier, sequence, data length).</summary>
    public event Action<NetAddress, ushort, ushort, int>? EchoReplyReceived;

    /// <summary>Handles an ICMPv6 message at <paramref name="offset"/> of the IPv6 datagram <paramref name="packet"/>. Takes the reference.</summary>
    public void Receive(NetInterface nic, PacketBuffer packet, int offset, bool multicast, in TransmitContext tx)
    {
        Interlocked.Increment(ref _stats.InMsgs);
        _ = Ipv6Header.TryParse(packet.Span, out Ipv6Header header);
        NetAddress source = header.Source;
        NetAddress destination = header.Destination;
        byte hopLimit = header.HopLimit;
        if (!IcmpV6Header.TryParse(packet.Span[offset..], out IcmpV6Header icmp))
        {
            Drop(packet, ref _stats.InErrors);
            return;
        }
        if (!packet.Offload.ChecksumValid && !icmp.IsChecksumValid(source, destination))
        {
            Interlocked.Increment(ref _stats.InCsumErrors);
            Drop(packet, ref _stats.InErrors);
            return;
        }
        switch (icmp.Type)
        {
            case IcmpV6Type.EchoRequest:
                Interlocked.Increment(ref _stats.InEchos);
                if (!multicast && !stack.IsLocalAddress(destination))
                {
                    // Accepted for another host (a forwarder is open): only an echo forwarder may answer for it, through
                    // the real host. Answering here would tell the pinger a host is up that nobody asked.
                    stack.EchoForwarder?.Offer(source, destination, icmp.Identifier, icmp.SequenceNumber, icmp.Payload);
                    packet.Release();
                    return;
                }
                Reply(packet, offset, source, multicast ? default : destination, tx);
                return;
            case IcmpV6Type.EchoReply:
                Interlocked.Increment(ref _stats.InEchoReps);
                EchoReplyReceived?.Invoke(source, icmp.Identifier, icmp.SequenceNumber, icmp.Payload.Length);
                break;
            case IcmpV6Type.NeighborSolicitation:
                Interlocked.Increment(ref _stats.InNeighborSolicits);
                AnswerSolicitation(nic, icmp, source, destination, hopLimit, tx);
                break;
            case IcmpV6Type.NeighborAdvertisement:
                Interlocked.Increment(ref _stats.InNeighborAdvertisements);
                break;
            case IcmpV6Type.DestinationUnreachable:
                Interlocked.Increment(ref _stats.InDestUnreachs);
                PassError(icmp);
                break;
            case IcmpV6Type.PacketTooBig:
                Interlocked.Increment(ref _stats.InPktTooBigs);
                PassError(icmp);
                break;
            case IcmpV6Type.TimeExceeded:
                Interlocked.Increment(ref _stats.InTimeExcds);
                PassError(icmp);
                break;
            case IcmpV6Type.ParameterProblem:
                Interlocked.Increment(ref _stats.InParmProbs);
                PassError(icmp);
                break;
        }
        packet.Release();
    }

    /// <summary>RFC 4443 §4.2: the reply carries the request's data; from the request's destination unless that was multicast.</summary>
    private void Reply(PacketBuffer packet, int offset, NetAddress requester, NetAddress requested, in TransmitContext tx)
    {
        if (requester.IsUnspecified || !stack.TryFindRoute(requester, out RouteInfo route))
        {
            Drop(packet, ref _stats.OutErrors);
            return;
        }
        NetAddress from = requested.IsUnspecified ? route.LocalAddress : requested;
        packet.TrimFront(offset);
        Span<byte> m = packet.Span;
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.Type = IcmpV6Type.EchoReply;
        icmp.Code = 0;
        icmp.SetChecksum(from, requester);
        packet.Offload = default;
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutEchoReps);
        ip.Send(packet, from, requester, IpProtocol.IcmpV6, route, tx);
    }

    /// <summary>RFC 4861 §7.2.3/§7.2.4: answer a solicitation for one of our addresses with a solicited, override advertisement.</summary>
    private void AnswerSolicitation(NetInterface nic, IcmpV6Header icmp, NetAddress source, NetAddress destination, byte hopLimit, in TransmitContext tx)
    {
        NetAddress target = icmp.TargetAddress;
        if (hopLimit != 255 || icmp.Code != 0 || target.IsMulticast || !nic.HasAddress(target))
        {
            Interlocked.Increment(ref _stats.InErrors);
            return;
        }
        // From the unspecified address (duplicate address detection) there must be no source link-layer
        // option and the answer goes to all-nodes, not solicited (§7.2.4).
        bool dad = source.IsUnspecified;
        if (dad && !destination.IsMulticast)
        {
            Interlocked.Increment(ref _stats.InErrors);
            return;
        }
        NetAddress to = dad ? Ipv6Addresses.AllNodes : source;
        RouteInfo route;
        if (dad)
        {
            var link = nic.Link;
            route = new RouteInfo(nic.Id, target, to, link.Mtu, link.GsoMaxSize, link.Capabilities);
        }
        else if (!stack.TryFindRoute(to, out route))
        {
            Interlocked.Increment(ref _stats.OutErrors);
            return;
        }
        byte flags = (byte)((dad ? 0 : IcmpV6Header.SolicitedFlag) | IcmpV6Header.OverrideFlag);
        PacketBuffer packet = stack.Pool.Rent(IcmpV6Header.NeighborMessageLength + 8);
        int length = IcmpV6Header.WriteNeighborAdvertisement(packet.Append(IcmpV6Header.NeighborMessageLength + 8), target, flags, null);
        packet.Truncate(length);
        _ = IcmpV6Header.TryParse(packet.Span, out IcmpV6Header na);
        na.SetChecksum(target, to);
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutNeighborAdvertisements);
        ip.Send(packet, target, to, IpProtocol.IcmpV6, route, tx, hopLimit: 255);
    }

    /// <summary>Sends an echo reply from <paramref name="from"/> (which need not be ours while a forwarder is open): the answer to a forwarded echo.</summary>
    public SocketError SendEchoReply(NetAddress from, NetAddress to, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        if (!stack.TryFindRoute(to, out RouteInfo route))
        {
            return SocketError.NetworkUnreachable;
        }
        PacketBuffer packet = stack.Pool.Rent(IcmpV6Header.HeaderLength + data.Length);
        Span<byte> m = packet.Append(IcmpV6Header.HeaderLength + data.Length);
        IcmpV6Header.WriteEcho(m, IcmpV6Type.EchoReply, identifier, sequence);
        data.CopyTo(m[IcmpV6Header.HeaderLength..]);
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.SetChecksum(from, to);
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutEchoReps);
        return ip.Send(packet, from, to, IpProtocol.IcmpV6, route, TransmitContext.Immediate);
    }

    /// <summary>Sends an echo request (for tests and tools).</summary>
    public SocketError SendEchoRequest(NetAddress destination, ushort identifier, ushort sequence, int dataLength)
    {
        if (!stack.TryFindRoute(destination, out RouteInfo route))
        {
            return SocketError.NetworkUnreachable;
        }
        PacketBuffer packet = stack.Pool.Rent(IcmpV6Header.HeaderLength + dataLength);
        Span<byte> m = packet.Append(IcmpV6Header.HeaderLength + dataLength);
        IcmpV6Header.WriteEcho(m, IcmpV6Type.EchoRequest, identifier, sequence);
        for (int i = 0; i < dataLength; i++)
        {
            m[IcmpV6Header.HeaderLength + i] = (byte)i;
        }
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.SetChecksum(route.LocalAddress, destination);
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutEchos);
        return ip.Send(packet, route.LocalAddress, destination, IpProtocol.IcmpV6, route, TransmitContext.Immediate);
    }

    /// <summary>Sends an ICMPv6 error about <paramref name="offending"/> (an IPv6 datagram from its header on) unless RFC 4443 §2.4(e) forbids it or the rate limit is exhausted.</summary>
    public void SendError(ReadOnlySpan<byte> offending, byte type, byte code, uint restOfHeader, bool multicastDestination, in TransmitContext tx)
    {
        if (offending.Length < Ipv6Header.Length)
        {
            return;
        }
        NetAddress source = NetAddress.ReadV6(offending[Ipv6Header.SourceOffset..]);
        NetAddress destination = NetAddress.ReadV6(offending[Ipv6Header.DestinationOffset..]);
        bool allowedToMulticast = type == IcmpV6Type.PacketTooBig || (type == IcmpV6Type.ParameterProblem && code == IcmpV6Code.UnrecognizedOption);
        if (source.IsUnspecified || source.IsMulticast || source.IsLoopback || ((multicastDestination || destination.IsMulticast) && !allowedToMulticast))
        {
            return;
        }
        if (Ipv6ExtensionHeaders.TryWalk(offending, offending[Ipv6Header.NextHeaderOffset], Ipv6Header.Length, Ipv6Header.NextHeaderOffset, out Ipv6ExtensionHeaders chain))
        {
            if (chain.FragmentOffset != 0)
            {
                return; // only the first fragment may draw an error
            }
            if (chain.UpperLayerProtocol == IpProtocol.IcmpV6 && (chain.UpperLayerOffset >= offending.Length || offending[chain.UpperLayerOffset] < 128))
            {
                return; // never an error about an error
            }
        }
        if (!stack.TryFindRoute(source, out RouteInfo route))
        {
            Interlocked.Increment(ref _stats.OutErrors);
            return;
        }
        if (!_limiter.TryAcquire())
        {
            Interlocked.Increment(ref _stats.OutRateLimited);
            return;
        }
        NetAddress from = stack.IsLocalAddress(destination) ? destination : route.LocalAddress;
        int quoted = Math.Min(offending.Length, MinimumMtu - Ipv6Header.Length - IcmpV6Header.HeaderLength);
        PacketBuffer packet = stack.Pool.Rent(IcmpV6Header.HeaderLength + quoted);
        Span<byte> m = packet.Append(IcmpV6Header.HeaderLength + quoted);
        IcmpV6Header.Write(m, type, code, restOfHeader);
        offending[..quoted].CopyTo(m[IcmpV6Header.HeaderLength..]);
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.SetChecksum(from, source);
        Interlocked.Increment(ref _stats.OutMsgs);
        if (type == IcmpV6Type.DestinationUnreachable)
        {
            Interlocked.Increment(ref _stats.OutDestUnreachs);
        }
        else if (type == IcmpV6Type.TimeExceeded)
        {
            Interlocked.Increment(ref _stats.OutTimeExcds);
        }
        ip.Send(packet, from, source, IpProtocol.IcmpV6, route, tx);
    }

    /// <summary>RFC 8200 §4.5: time exceeded, code 1, when the first fragment had arrived.</summary>
    public void OnReassemblyTimeout(ReassemblyQueue queue)
    {
        Span<byte> quote = stackalloc byte[Ipv6Header.Length + 64];
        queue.FirstHeader.AsSpan(0, Ipv6Header.Length).CopyTo(quote);
        ReadOnlySpan<byte> data = queue.FirstData(64);
        data.CopyTo(quote[Ipv6Header.Length..]);
        BinaryPrimitives.WriteUInt16BigEndian(quote[Ipv6Header.PayloadLengthOffset..], (ushort)data.Length);
        SendError(quote[..(Ipv6Header.Length + data.Length)], IcmpV6Type.TimeExceeded, IcmpV6Code.FragmentReassemblyTimeExceeded, 0, multicastDestination: false, TransmitContext.Immediate); // from the reassembly timer
    }

    private void PassError(IcmpV6Header icmp)
    {
        ReadOnlySpan<byte> quoted = icmp.Payload;
        if (quoted.Length < Ipv6Header.Length || (quoted[0] >> 4) != 6)
        {
            return;
        }
        if (!Ipv6ExtensionHeaders.TryWalk(quoted, quoted[Ipv6Header.NextHeaderOffset], Ipv6Header.Length, Ipv6Header.NextHeaderOffset, out Ipv6ExtensionHeaders chain)
            || chain.FragmentOffset != 0 || quoted.Length < chain.UpperLayerOffset + 4)
        {
            return;
        }
        byte protocol = chain.UpperLayerProtocol;
        ITransportHandler? handler = stack.GetTransport(protocol);
        NetAddress local = NetAddress.ReadV6(quoted[Ipv6Header.SourceOffset..]);
        NetAddress remote = NetAddress.ReadV6(quoted[Ipv6Header.DestinationOffset..]);
        if (handler is null || !stack.IsLocalAddress(local))
        {
            return;
        }
        ReadOnlySpan<byte> transport = quoted[chain.UpperLayerOffset..];
        ushort localPort = BinaryPrimitives.ReadUInt16BigEndian(transport);
        ushort remotePort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        uint sequence = transport.Length >= 8 ? BinaryPrimitives.ReadUInt32BigEndian(transport[4..]) : 0;
        TransportErrorKind kind = icmp.Type switch
        {
            IcmpV6Type.DestinationUnreachable => icmp.Code == IcmpV6Code.PortUnreachable ? TransportErrorKind.PortUnreachable : TransportErrorKind.DestinationUnreachable,
            IcmpV6Type.PacketTooBig => TransportErrorKind.PacketTooBig,
            IcmpV6Type.TimeExceeded => TransportErrorKind.TimeExceeded,
            _ => icmp.Code == IcmpV6Code.UnrecognizedNextHeader ? TransportErrorKind.ProtocolUnreachable : TransportErrorKind.ParameterProblem,
        };
        int mtu = kind == TransportErrorKind.PacketTooBig ? (int)Math.Min(icmp.Mtu, int.MaxValue) : 0;
        handler.HandleError(new TransportErrorInfo(kind, icmp.Type, icmp.Code, local, remote, protocol, localPort, remotePort, mtu, sequence));
    }

    private static void Drop(PacketBuffer packet, ref long counter)
    {
        Interlocked.Increment(ref counter);
        packet.Release();
    }
}
