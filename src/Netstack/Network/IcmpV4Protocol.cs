using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2): answers echo requests, passes received errors up to the transport
/// whose datagram they quote, and generates destination unreachable and time exceeded messages under the
/// RFC 1812 §4.3.2.8 rate limit.
/// </summary>
/// <remarks>
/// RFC 1122 §3.2.2 forbids an error about an ICMP error, about a datagram sent to a broadcast or multicast
/// address, about a non-first fragment, or about a datagram whose source is not a unicast host; every one of
/// those is checked in <see cref="SendError"/>. Echo requests to broadcast addresses are ignored, as Linux
/// does by default (<c>icmp_echo_ignore_broadcasts</c>).
/// </remarks>
internal sealed class IcmpV4Protocol(NetStack stack, Ipv4Layer ip)
{
    /// <summary>RFC 1812 §4.3.2.3: an error carries as much of the original datagram as fits in 576 bytes.</summary>
    private const int MaxErrorLength = 576;

    private readonly IcmpStatistics _stats = stack.Statistics.Icmp;
    private readonly IcmpRateLimiter _limiter = new(stack.TimeProvider, stack.Options.IcmpRateLimitPerSecond, stack.Options.IcmpRateLimitBurst);

    /// <summary>Handles an ICMP datagram; <paramref name="packet"/> is at its IPv4 header. Takes the reference.</summary>
    public void Receive(NetInterface nic, PacketBuffer packet, int headerLength, bool broadcastOrMulticast, in TransmitContext tx)
    {
        Interlocked.Increment(ref _stats.InMsgs);
        Span<byte> message = packet.Span[headerLength..];
        if (!IcmpV4Header.TryParse(message, out IcmpV4Header icmp))
        {
            Drop(packet, ref _stats.InErrors);
            return;
        }
        if (!packet.Offload.ChecksumValid && !icmp.IsChecksumValid)
        {
            Interlocked.Increment(ref _stats.InCsumErrors);
            Drop(packet, ref _stats.InErrors);
            return;
        }
        _ = Ipv4Header.TryParse(packet.Span, out Ipv4Header header);
        switch (icmp.Type)
        {
            case IcmpV4Type.EchoRequest:
                Interlocked.Increment(ref _stats.InEchos);
                if (broadcastOrMulticast)
                {
                    packet.Release();
                    return;
                }
                if (!stack.IsLocalAddress(header.Destination))
                {
                    // Accepted for another host (a forwarder is open): only an echo forwarder may answer for it, through
                    // the real host. Answering here would tell the pinger a host is up that nobody asked.
                    stack.EchoForwarder?.Offer(header.Source, header.Destination, icmp.Identifier, icmp.SequenceNumber, icmp.Payload);
                    packet.Release();
                    return;
                }
                Reply(packet, headerLength, header.Source, header.Destination, tx);
                return;
            case IcmpV4Type.EchoReply:
                Interlocked.Increment(ref _stats.InEchoReps);
                EchoReplyReceived?.Invoke(header.Source, icmp.Identifier, icmp.SequenceNumber, icmp.Payload.Length);
                break;
            case IcmpV4Type.DestinationUnreachable:
                Interlocked.Increment(ref _stats.InDestUnreachs);
                if (icmp.Code == IcmpV4Code.FragmentationNeeded)
                {
                    Interlocked.Increment(ref _stats.InPktTooBigs);
                }
                PassError(icmp);
                break;
            case IcmpV4Type.TimeExceeded:
                Interlocked.Increment(ref _stats.InTimeExcds);
                PassError(icmp);
                break;
            case IcmpV4Type.ParameterProblem:
                Interlocked.Increment(ref _stats.InParmProbs);
                PassError(icmp);
                break;
        }
        packet.Release();
    }

    /// <summary>Raised (on the dispatcher thread) for each echo reply received: (source, identifier, sequence, data length). For tests and ping tools.</summary>
    public event Action<NetAddress, ushort, ushort, int>? EchoReplyReceived;

    /// <summary>Turns the echo request into its reply in place (RFC 792: swap addresses, type 0, same data) and sends it.</summary>
    private void Reply(PacketBuffer packet, int headerLength, NetAddress requester, NetAddress requested, in TransmitContext tx)
    {
        if (!stack.TryFindRoute(requester, out RouteInfo route))
        {
            Drop(packet, ref _stats.OutErrors);
            return;
        }
        packet.TrimFront(headerLength);
        Span<byte> m = packet.Span;
        _ = IcmpV4Header.TryParse(m, out IcmpV4Header icmp);
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(m);
        icmp.Type = IcmpV4Type.EchoReply;
        icmp.Code = 0;
        icmp.Checksum = Checksum.Update(icmp.Checksum, oldWord, BinaryPrimitives.ReadUInt16BigEndian(m));
        packet.Offload = default;
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutEchoReps);
        ip.Send(packet, requested, requester, IpProtocol.Icmp, route, tx);
    }

    /// <summary>Sends an echo reply from <paramref name="from"/> (which need not be ours while a forwarder is open): the answer to a forwarded echo.</summary>
    public System.Net.Sockets.SocketError SendEchoReply(NetAddress from, NetAddress to, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        if (!stack.TryFindRoute(to, out RouteInfo route))
        {
            return System.Net.Sockets.SocketError.NetworkUnreachable;
        }
        PacketBuffer packet = stack.Pool.Rent(IcmpV4Header.HeaderLength + data.Length);
        Span<byte> m = packet.Append(IcmpV4Header.HeaderLength + data.Length);
        IcmpV4Header.WriteEcho(m, IcmpV4Type.EchoReply, identifier, sequence);
        data.CopyTo(m[IcmpV4Header.HeaderLength..]);
        _ = IcmpV4Header.TryParse(m, out IcmpV4Header icmp);
        icmp.SetChecksum();
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutEchoReps);
        return ip.Send(packet, from, to, IpProtocol.Icmp, route, TransmitContext.Immediate);
    }

    /// <summary>Sends an echo request (for tests and tools).</summary>
    public System.Net.Sockets.SocketError SendEchoRequest(NetAddress destination, ushort identifier, ushort sequence, int dataLength)
    {
        if (!stack.TryFindRoute(destination, out RouteInfo route))
        {
            return System.Net.Sockets.SocketError.NetworkUnreachable;
        }
        PacketBuffer packet = stack.Pool.Rent(IcmpV4Header.HeaderLength + dataLength);
        Span<byte> m = packet.Append(IcmpV4Header.HeaderLength + dataLength);
        IcmpV4Header.WriteEcho(m, IcmpV4Type.EchoRequest, identifier, sequence);
        for (int i = 0; i < dataLength; i++)
        {
            m[IcmpV4Header.HeaderLength + i] = (byte)i;
        }
        _ = IcmpV4Header.TryParse(m, out IcmpV4Header icmp);
        icmp.SetChecksum();
        Interlocked.Increment(ref _stats.OutMsgs);
        Interlocked.Increment(ref _stats.OutEchos);
        return ip.Send(packet, route.LocalAddress, destination, IpProtocol.Icmp, route, TransmitContext.Immediate);
    }

    /// <summary>
    /// Sends an ICMP error about <paramref name="offending"/> (an IPv4 datagram from its header on, possibly
    /// truncated), unless RFC 1122 §3.2.2 forbids it or the rate limit is exhausted.
    /// </summary>
    public void SendError(ReadOnlySpan<byte> offending, byte type, byte code, uint restOfHeader, in TransmitContext tx)
    {
        if (offending.Length < Ipv4Header.MinLength)
        {
            return;
        }
        int headerLength = (offending[0] & 0x0F) * 4;
        if (headerLength < Ipv4Header.MinLength || headerLength > offending.Length)
        {
            return;
        }
        NetAddress source = NetAddress.ReadV4(offending[Ipv4Header.SourceOffset..]);
        NetAddress destination = NetAddress.ReadV4(offending[Ipv4Header.DestinationOffset..]);
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(offending[Ipv4Header.FlagsFragmentOffset..]);
        if ((fragment & 0x1FFF) != 0 || source.IsUnspecified || source.IsMulticast || source.IsBroadcast || source.IsLoopback
            || destination.IsMulticast || destination.IsBroadcast)
        {
            return;
        }
        if (offending[Ipv4Header.ProtocolOffset] == IpProtocol.Icmp)
        {
            // Never an error about an error; a message too short to tell is treated as one.
            if (offending.Length < headerLength + 1 || IcmpV4Type.IsError(offending[headerLength]))
            {
                return;
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
        int quoted = Math.Min(offending.Length, MaxErrorLength - Ipv4Header.MinLength - IcmpV4Header.HeaderLength);
        PacketBuffer packet = stack.Pool.Rent(IcmpV4Header.HeaderLength + quoted);
        Span<byte> m = packet.Append(IcmpV4Header.HeaderLength + quoted);
        IcmpV4Header.Write(m, type, code, restOfHeader);
        offending[..quoted].CopyTo(m[IcmpV4Header.HeaderLength..]);
        _ = IcmpV4Header.TryParse(m, out IcmpV4Header icmp);
        icmp.SetChecksum();
        Interlocked.Increment(ref _stats.OutMsgs);
        if (type == IcmpV4Type.DestinationUnreachable)
        {
            Interlocked.Increment(ref _stats.OutDestUnreachs);
        }
        else if (type == IcmpV4Type.TimeExceeded)
        {
            Interlocked.Increment(ref _stats.OutTimeExcds);
        }
        // Answer from the address the offending datagram was sent to when it is ours (RFC 1812 §4.3.2.4).
        NetAddress from = stack.IsLocalAddress(destination) ? destination : route.LocalAddress;
        ip.Send(packet, from, source, IpProtocol.Icmp, route, tx);
    }

    /// <summary>RFC 792: time exceeded, code 1 (fragment reassembly), when the first fragment had arrived.</summary>
    public void OnReassemblyTimeout(ReassemblyQueue queue)
    {
        Span<byte> quote = stackalloc byte[64 + 8];
        int headerLength = queue.FirstHeaderLength;
        queue.FirstHeader.AsSpan(0, headerLength).CopyTo(quote);
        ReadOnlySpan<byte> data = queue.FirstData(8);
        data.CopyTo(quote[headerLength..]);
        SendError(quote[..(headerLength + data.Length)], IcmpV4Type.TimeExceeded, IcmpV4Code.FragmentReassemblyTimeExceeded, 0, TransmitContext.Immediate); // from the reassembly timer
    }

    /// <summary>Hands an ICMP error to the transport that sent the quoted datagram.</summary>
    private void PassError(IcmpV4Header icmp)
    {
        ReadOnlySpan<byte> quoted = icmp.Payload;
        if (quoted.Length < Ipv4Header.MinLength || (quoted[0] >> 4) != 4)
        {
            return;
        }
        int headerLength = (quoted[0] & 0x0F) * 4;
        if (headerLength < Ipv4Header.MinLength || quoted.Length < headerLength + 4)
        {
            return; // RFC 792 promises 64 bits of the datagram; the ports need at least 4 bytes
        }
        byte protocol = quoted[Ipv4Header.ProtocolOffset];
        ITransportHandler? handler = stack.GetTransport(protocol);
        if (handler is null)
        {
            return;
        }
        NetAddress local = NetAddress.ReadV4(quoted[Ipv4Header.SourceOffset..]);
        NetAddress remote = NetAddress.ReadV4(quoted[Ipv4Header.DestinationOffset..]);
        if (!stack.IsLocalAddress(local))
        {
            return;
        }
        ReadOnlySpan<byte> transport = quoted[headerLength..];
        ushort localPort = BinaryPrimitives.ReadUInt16BigEndian(transport);
        ushort remotePort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        uint sequence = transport.Length >= 8 ? BinaryPrimitives.ReadUInt32BigEndian(transport[4..]) : 0;
        TransportErrorKind kind = icmp.Type switch
        {
            IcmpV4Type.DestinationUnreachable => icmp.Code switch
            {
                IcmpV4Code.PortUnreachable => TransportErrorKind.PortUnreachable,
                IcmpV4Code.ProtocolUnreachable => TransportErrorKind.ProtocolUnreachable,
                IcmpV4Code.FragmentationNeeded => TransportErrorKind.PacketTooBig,
                _ => TransportErrorKind.DestinationUnreachable,
            },
            IcmpV4Type.TimeExceeded => TransportErrorKind.TimeExceeded,
            _ => TransportErrorKind.ParameterProblem,
        };
        int mtu = kind == TransportErrorKind.PacketTooBig ? icmp.NextHopMtu : 0;
        var error = new TransportErrorInfo(kind, icmp.Type, icmp.Code, local, remote, protocol, localPort, remotePort, mtu, sequence);
        handler.HandleError(error);
    }

    private static void Drop(PacketBuffer packet, ref long counter)
    {
        Interlocked.Increment(ref counter);
        packet.Release();
    }
}
