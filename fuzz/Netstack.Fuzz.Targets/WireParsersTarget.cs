using System.Buffers.Binary;
using Netstack.Network;
using Netstack.Offload;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Fuzz;

/// <summary>
/// Target "parsers": the whole input is one packet, read by every header view the stack uses — as IPv4 (options,
/// payload, then the transport header its protocol names, and an ICMP error's quoted header), as IPv6 (the
/// extension-header chain, its option TLVs, the Fragment header, the upper layer), and directly as TCP, UDP,
/// ICMPv4, ICMPv6, Ethernet, ARP and virtio-net headers. After a successful TryParse every accessor must work
/// (the views' contract). Invariants: the checksum equals a byte-at-a-time RFC 1071 sum, and a parsed TCP
/// header written back by the stack's own writer parses to the same values.
/// </summary>
internal static class WireParsersTarget
{
    private static readonly NetAddress Peer = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Local = NetAddress.Parse("10.9.0.2");

    public static void Run(ReadOnlySpan<byte> input)
    {
        byte[] buffer = new byte[input.Length];
        input.CopyTo(buffer);
        Span<byte> bytes = buffer;
        long sink = 0;
        CheckChecksum(bytes);
        sink += Ipv4(bytes);
        sink += Ipv6(bytes);
        sink += Tcp(bytes);
        sink += Udp(bytes);
        sink += IcmpV4(bytes);
        sink += IcmpV6(bytes, NetAddress.AnyV6, NetAddress.AnyV6);
        sink += LinkHeaders(bytes);
        if (bytes.Length >= 2)
        {
            // The walker on its own, from an offset and a next-header value the input picks (as ICMPv6 errors use it).
            if (Ipv6ExtensionHeaders.TryWalk(bytes[2..], bytes[0], bytes[1] & 0x3F, 0, out Ipv6ExtensionHeaders walked))
            {
                sink += walked.UpperLayerOffset + walked.FragmentOffset;
            }
        }
        GC.KeepAlive(sink);
    }

    private static long Ipv4(Span<byte> bytes)
    {
        if (!Ipv4Header.TryParse(bytes, out Ipv4Header ip))
        {
            return 0;
        }
        long sink = ip.Version + ip.HeaderLength + ip.TypeOfService + ip.Dscp + ip.Ecn + ip.TotalLength + ip.Identification
            + (ip.DontFragment ? 1 : 0) + (ip.MoreFragments ? 1 : 0) + ip.FragmentOffset + (ip.IsFragment ? 1 : 0) + ip.TimeToLive
            + ip.Protocol + ip.HeaderChecksum + (ip.IsChecksumValid ? 1 : 0) + ip.ComputeChecksum()
            + ip.Header.Length + ip.Options.Length + ip.Packet.Length + ip.Source.GetHashCode() + ip.Destination.GetHashCode();
        Span<byte> payload = ip.Payload;
        if (ip.FragmentOffset != 0)
        {
            return sink + payload.Length;
        }
        return sink + ip.Protocol switch
        {
            IpProtocol.Tcp => Tcp(payload, ip.Source, ip.Destination),
            IpProtocol.Udp => Udp(payload, ip.Source, ip.Destination),
            IpProtocol.Icmp => IcmpV4(payload),
            _ => payload.Length,
        };
    }

    private static long Ipv6(Span<byte> bytes)
    {
        if (!Ipv6Header.TryParse(bytes, out Ipv6Header ip))
        {
            return 0;
        }
        long sink = ip.Version + ip.TrafficClass + ip.FlowLabel + ip.PayloadLength + ip.NextHeader + ip.HopLimit
            + ip.Payload.Length + ip.Source.GetHashCode() + ip.Destination.GetHashCode();
        Span<byte> packet = ip.Packet;
        if (!Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain))
        {
            return sink;
        }
        FuzzInvariantException.Check(chain.UpperLayerOffset >= Ipv6Header.Length && chain.UpperLayerOffset <= packet.Length, "the IPv6 upper layer starts outside the packet");
        sink += chain.HeaderCount + chain.RoutingSegmentsLeft + (chain.HasHopByHop ? 1 : 0) + (chain.IsFragment ? 1 : 0);
        if (chain.HeaderCount > 0)
        {
            sink += (int)Ipv6Options.Check(packet, chain.UpperLayerOffset, multicast: false, out int pointer) + pointer;
            sink += (int)Ipv6Options.Check(packet, chain.UpperLayerOffset, multicast: true, out pointer) + pointer;
        }
        if (chain.HasFragmentHeader)
        {
            FuzzInvariantException.Check(Ipv6FragmentHeader.TryParse(packet[chain.FragmentHeaderOffset..], out Ipv6FragmentHeader fragment), "the chain's Fragment header does not parse");
            FuzzInvariantException.Check(fragment.FragmentOffset == chain.FragmentOffset && fragment.MoreFragments == chain.MoreFragments && fragment.Identification == chain.FragmentIdentification, "the chain and the Fragment header disagree");
            if (chain.FragmentOffset != 0)
            {
                return sink;
            }
        }
        Span<byte> upper = packet[chain.UpperLayerOffset..];
        return sink + chain.UpperLayerProtocol switch
        {
            IpProtocol.Tcp => Tcp(upper, ip.Source, ip.Destination),
            IpProtocol.Udp => Udp(upper, ip.Source, ip.Destination),
            IpProtocol.IcmpV6 => IcmpV6(upper, ip.Source, ip.Destination),
            _ => upper.Length,
        };
    }

    private static long Tcp(Span<byte> bytes) => Tcp(bytes, Peer, Local);

    private static long Tcp(Span<byte> bytes, NetAddress source, NetAddress destination)
    {
        long sink = 0;
        if (TcpHeader.TryParse(bytes, out TcpHeader tcp))
        {
            sink += tcp.SourcePort + tcp.DestinationPort + tcp.SequenceNumber + tcp.AcknowledgmentNumber + tcp.HeaderLength
                + (int)tcp.Flags + tcp.WindowSize + tcp.Checksum + tcp.UrgentPointer + tcp.Payload.Length + tcp.Segment.Length
                + (tcp.IsChecksumValid(source, destination) ? 1 : 0) + tcp.ComputeChecksum(source, destination);
            var options = new TcpOptions(tcp.Options);
            while (options.MoveNext())
            {
                sink += options.Current.Kind + options.Current.Data.Length;
            }
            sink += options.IsMalformed ? 1 : 0;
            if (tcp.TryGetOptions(out TcpOptionsInfo info))
            {
                CheckOptionsRoundTrip(info);
            }
        }
        if (TcpSegment.TryParse(bytes, out TcpSegment segment))
        {
            CheckSegmentRoundTrip(segment);
            sink += segment.PayloadLength + segment.SeqLength;
        }
        return sink;
    }

    /// <summary>The options writer emits what the parser read (SACK blocks as many as fit with the other options).</summary>
    private static void CheckOptionsRoundTrip(in TcpOptionsInfo info)
    {
        Span<byte> written = stackalloc byte[TcpHeader.MaxOptionsLength];
        int length = TcpOptions.GetLength(info);
        FuzzInvariantException.Check(length <= TcpHeader.MaxOptionsLength && length % 4 == 0, $"TcpOptions.GetLength is {length}");
        FuzzInvariantException.Check(TcpOptions.Write(written, info) == length, "TcpOptions.Write and GetLength disagree");
        FuzzInvariantException.Check(TcpOptionsInfo.TryParse(written[..length], out TcpOptionsInfo again), "written options do not parse");
        FuzzInvariantException.Check(again.Mss == info.Mss && again.WindowScale == info.WindowScale && again.SackPermitted == info.SackPermitted && again.Timestamp == info.Timestamp, "options changed in a write and parse");
        ReadOnlySpan<Netstack.Wire.SackBlock> before = info.SackBlocks.AsSpan();
        ReadOnlySpan<Netstack.Wire.SackBlock> after = again.SackBlocks.AsSpan();
        FuzzInvariantException.Check(after.Length <= before.Length && before[..after.Length].SequenceEqual(after), "SACK blocks changed in a write and parse");
    }

    /// <summary>The stack's segment writer emits a header that parses back to the segment's values.</summary>
    private static void CheckSegmentRoundTrip(in TcpSegment segment)
    {
        Span<byte> written = stackalloc byte[TcpSegment.MinHeaderLength + TcpSegment.MaxOptionsLength];
        int length = segment.Write(written);
        FuzzInvariantException.Check(length == segment.ComputeHeaderLength(), "TcpSegment.Write and ComputeHeaderLength disagree");
        FuzzInvariantException.Check(TcpSegment.TryParse(written[..length], out TcpSegment again), "a written segment does not parse");
        FuzzInvariantException.Check(
            again.SourcePort == segment.SourcePort && again.DestinationPort == segment.DestinationPort && again.Seq == segment.Seq
            && again.Ack == segment.Ack && again.Flags == segment.Flags && again.Window == segment.Window && again.Mss == segment.Mss
            && again.WindowScale == segment.WindowScale && again.SackPermitted == segment.SackPermitted && again.HasTimestamp == segment.HasTimestamp
            && (!segment.HasTimestamp || (again.TsVal == segment.TsVal && again.TsEcr == segment.TsEcr)) && again.SackCount <= segment.SackCount,
            "a segment changed in a write and parse");
        for (int i = 0; i < again.SackCount; i++)
        {
            FuzzInvariantException.Check(again.Sack[i] == segment.Sack[i], "a SACK block changed in a write and parse");
        }
    }

    private static long Udp(Span<byte> bytes) => Udp(bytes, Peer, Local);

    private static long Udp(Span<byte> bytes, NetAddress source, NetAddress destination)
    {
        if (!UdpHeader.TryParse(bytes, out UdpHeader udp))
        {
            return 0;
        }
        return udp.SourcePort + udp.DestinationPort + udp.Length + udp.Checksum + udp.Datagram.Length + udp.Payload.Length
            + (udp.IsChecksumValid(source, destination) ? 1 : 0) + udp.ComputeChecksum(source, destination);
    }

    private static long IcmpV4(Span<byte> bytes)
    {
        if (!IcmpV4Header.TryParse(bytes, out IcmpV4Header icmp))
        {
            return 0;
        }
        long sink = icmp.Type + icmp.Code + icmp.Checksum + icmp.RestOfHeader + icmp.Identifier + icmp.SequenceNumber + icmp.NextHopMtu
            + icmp.Pointer + (icmp.IsError ? 1 : 0) + (icmp.IsChecksumValid ? 1 : 0) + icmp.ComputeChecksum() + icmp.Message.Length;
        Span<byte> quoted = icmp.Payload;
        // An error quotes the offending datagram's header and at least 8 bytes of its payload (RFC 792).
        if (icmp.IsError && Ipv4Header.TryParse(quoted, out Ipv4Header inner))
        {
            sink += inner.Protocol + inner.HeaderLength;
        }
        return sink + quoted.Length;
    }

    private static long IcmpV6(Span<byte> bytes, NetAddress source, NetAddress destination)
    {
        if (!IcmpV6Header.TryParse(bytes, out IcmpV6Header icmp))
        {
            return 0;
        }
        long sink = icmp.Type + icmp.Code + icmp.Checksum + icmp.RestOfHeader + icmp.Identifier + icmp.SequenceNumber + icmp.Mtu
            + icmp.Pointer + (icmp.IsError ? 1 : 0) + icmp.NeighborFlags + icmp.TargetAddress.GetHashCode() + icmp.NeighborOptions.Length
            + (icmp.IsChecksumValid(source, destination) ? 1 : 0) + icmp.ComputeChecksum(source, destination) + icmp.Message.Length;
        if (icmp.TryGetLinkLayerAddress(1, out MacAddress mac) || icmp.TryGetLinkLayerAddress(2, out mac))
        {
            sink += mac.GetHashCode();
        }
        Span<byte> quoted = icmp.Payload;
        if (icmp.IsError && Ipv6Header.TryParse(quoted, out Ipv6Header inner))
        {
            sink += inner.NextHeader;
            if (Ipv6ExtensionHeaders.TryWalk(quoted, inner.NextHeader, Ipv6Header.Length, Ipv6Header.NextHeaderOffset, out Ipv6ExtensionHeaders chain))
            {
                sink += chain.UpperLayerOffset;
            }
        }
        return sink + quoted.Length;
    }

    private static long LinkHeaders(Span<byte> bytes)
    {
        long sink = 0;
        if (EthernetHeader.TryParse(bytes, out EthernetHeader ethernet))
        {
            sink += ethernet.Destination.GetHashCode() + ethernet.Source.GetHashCode() + ethernet.HeaderLength + ethernet.VlanId
                + ethernet.VlanPriority + ethernet.VlanTci + (ethernet.HasVlanTag ? 1 : 0) + ethernet.Payload.Length;
            if (ArpPacket.TryParse(ethernet.Payload, out ArpPacket arp))
            {
                sink += arp.Operation + arp.SenderProtocolAddress.GetHashCode() + arp.TargetProtocolAddress.GetHashCode();
            }
        }
        if (VirtioNetHeader.TryParse(bytes, out VirtioNetHeader vnet))
        {
            sink += vnet.Flags;
        }
        return sink;
    }

    /// <summary>The vectorised checksum equals RFC 1071 done one 16-bit word at a time, also from a non-zero starting sum.</summary>
    private static void CheckChecksum(ReadOnlySpan<byte> bytes)
    {
        ulong reference = 0;
        for (int i = 0; i < bytes.Length; i += 2)
        {
            reference += i + 1 < bytes.Length ? BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]) : (ulong)bytes[i] << 8;
        }
        FuzzInvariantException.Check(Checksum.Fold(Checksum.Add(bytes)) == Checksum.Fold(reference), "Checksum.Add disagrees with RFC 1071");
        // Summing in two spans split at an even offset (RFC 1071 §2(B)) gives the same result as one span.
        int split = bytes.Length == 0 ? 0 : (bytes[0] % (bytes.Length + 1)) & ~1;
        FuzzInvariantException.Check(Checksum.Fold(Checksum.Add(bytes[split..], Checksum.Add(bytes[..split]))) == Checksum.Fold(reference), "Checksum.Add over two spans disagrees with one");
    }
}
