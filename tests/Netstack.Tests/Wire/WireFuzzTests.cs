using Netstack.Wire;

namespace Netstack.Tests.Wire;

/// <summary>
/// Hostile bytes: every TryParse and every accessor (getters, checksum helpers, setters writing back what they
/// read) on 100,000 buffers that are random, or captured frames with random bytes overwritten, truncated or
/// extended. Nothing may throw. Seeded, so a failure names a reproducible iteration.
/// </summary>
public class WireFuzzTests
{
    private static readonly string[] Seeds =
    [
        CapturedFrames.ArpRequest, CapturedFrames.IcmpV4EchoRecordRoute, CapturedFrames.NeighborSolicitation,
        CapturedFrames.NeighborAdvertisement, CapturedFrames.UdpV4, CapturedFrames.UdpV6, CapturedFrames.TcpV4Syn,
        CapturedFrames.TcpV4Data, CapturedFrames.TcpV6Syn, CapturedFrames.IcmpV4PortUnreachable,
        CapturedFrames.IcmpV6PortUnreachable, CapturedFrames.Ipv6LastFragment, CapturedFrames.MldReportHopByHop,
        CapturedFrames.IcmpV6TimeExceeded, TcpHeaderTests.SackThreeBlocks,
    ];

    private static readonly NetAddress V4 = NetAddress.Parse("10.9.1.1");
    private static readonly NetAddress V6 = NetAddress.Parse("fd00:9::1");

    [Fact]
    public void RandomAndMutatedBuffersNeverThrow()
    {
        var random = new Random(20261123);
        byte[][] seeds = Array.ConvertAll(Seeds, CapturedFrames.Bytes);
        long accepted = 0;
        for (int iteration = 0; iteration < 100_000; iteration++)
        {
            byte[] buffer = Mutate(random, seeds);
            try
            {
                accepted += ExerciseFrame(buffer);
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iteration}, bytes {Convert.ToHexString(buffer)}: {e}");
            }
        }
        // The mutations must keep a good share of buffers parseable, or the accessors are not being reached.
        Assert.True(accepted > 100_000, $"only {accepted} successful parses");
    }

    private static byte[] Mutate(Random random, byte[][] seeds)
    {
        int mode = random.Next(4);
        if (mode == 0)
        {
            byte[] noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);
            return noise;
        }
        byte[] seed = seeds[random.Next(seeds.Length)];
        int length = mode == 1 ? random.Next(0, seed.Length + 1) : seed.Length + (mode == 3 ? random.Next(0, 16) : 0);
        byte[] buffer = new byte[length];
        seed.AsSpan(0, Math.Min(length, seed.Length)).CopyTo(buffer);
        int flips = random.Next(1, 6);
        for (int i = 0; i < flips && length > 0; i++)
        {
            // Favour the header bytes, where the lengths live.
            int at = random.Next(Math.Min(length, random.Next(2) == 0 ? 80 : length));
            buffer[at] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(buffer[at] ^ (1 << random.Next(8)));
        }
        return buffer;
    }

    /// <summary>Tries every view at the Ethernet offset and at every IP/transport offset reachable; returns the number of successful parses.</summary>
    private static int ExerciseFrame(byte[] buffer)
    {
        Span<byte> span = buffer;
        int accepted = 0;
        if (EthernetHeader.TryParse(span, out EthernetHeader eth))
        {
            accepted++;
            _ = eth.Destination;
            _ = eth.Source;
            _ = eth.OuterEtherType;
            _ = eth.HasVlanTag;
            _ = eth.VlanTci;
            _ = eth.VlanId;
            _ = eth.VlanPriority;
            eth.EtherType = eth.EtherType;
            eth.Destination = eth.Destination;
            eth.Source = eth.Source;
            accepted += ExerciseNetwork(eth.Payload);
        }
        accepted += ExerciseNetwork(span);
        accepted += ExerciseTransport(span, V4, V4);
        return accepted;
    }

    private static int ExerciseNetwork(Span<byte> span)
    {
        int accepted = 0;
        if (ArpPacket.TryParse(span, out ArpPacket arp))
        {
            accepted++;
            arp.Operation = arp.Operation;
            arp.SenderHardwareAddress = arp.SenderHardwareAddress;
            arp.SenderProtocolAddress = arp.SenderProtocolAddress;
            arp.TargetHardwareAddress = arp.TargetHardwareAddress;
            arp.TargetProtocolAddress = arp.TargetProtocolAddress;
        }
        if (Ipv4Header.TryParse(span, out Ipv4Header ip))
        {
            accepted++;
            _ = ip.Version;
            _ = ip.Dscp;
            _ = ip.IsFragment;
            _ = ip.Header;
            _ = ip.Options;
            _ = ip.Packet;
            _ = ip.IsChecksumValid;
            _ = ip.ComputeChecksum();
            ip.TypeOfService = ip.TypeOfService;
            ip.Ecn = ip.Ecn;
            ip.TotalLength = ip.TotalLength;
            ip.Identification = ip.Identification;
            ip.DontFragment = ip.DontFragment;
            ip.MoreFragments = ip.MoreFragments;
            ip.FragmentOffset = ip.FragmentOffset;
            ip.TimeToLive = ip.TimeToLive;
            ip.Protocol = ip.Protocol;
            ip.HeaderChecksum = ip.HeaderChecksum;
            ip.Source = ip.Source;
            ip.Destination = ip.Destination;
            accepted += ExerciseTransport(ip.Payload, ip.Source, ip.Destination);
        }
        if (Ipv6Header.TryParse(span, out Ipv6Header ip6))
        {
            accepted++;
            _ = ip6.Version;
            _ = ip6.Packet;
            ip6.TrafficClass = ip6.TrafficClass;
            ip6.FlowLabel = ip6.FlowLabel;
            ip6.PayloadLength = ip6.PayloadLength;
            ip6.NextHeader = ip6.NextHeader;
            ip6.HopLimit = ip6.HopLimit;
            ip6.Source = ip6.Source;
            ip6.Destination = ip6.Destination;
            if (Ipv6ExtensionHeaders.TryParse(span, out Ipv6ExtensionHeaders chain))
            {
                accepted++;
                _ = chain.IsFragment;
                if (chain.HasFragmentHeader && Ipv6FragmentHeader.TryParse(span[chain.FragmentHeaderOffset..], out Ipv6FragmentHeader fragment))
                {
                    fragment.NextHeader = fragment.NextHeader;
                    fragment.FragmentOffset = fragment.FragmentOffset;
                    fragment.MoreFragments = fragment.MoreFragments;
                    fragment.Identification = fragment.Identification;
                }
                accepted += ExerciseTransport(ip6.Packet[chain.UpperLayerOffset..], ip6.Source, ip6.Destination);
            }
            // The walker must also cope with arbitrary start points (quoted packets in ICMP errors).
            for (int offset = -1; offset <= span.Length + 1; offset += 7)
            {
                _ = Ipv6ExtensionHeaders.TryWalk(span, span.Length > 0 ? span[0] : (byte)0, offset, 0, out _);
            }
        }
        if (Ipv6FragmentHeader.TryParse(span, out Ipv6FragmentHeader raw))
        {
            accepted++;
            _ = raw.FragmentOffset;
            _ = raw.MoreFragments;
            _ = raw.Identification;
        }
        return accepted;
    }

    private static int ExerciseTransport(Span<byte> span, NetAddress source, NetAddress destination) =>
        ExerciseUdp(span, source, destination) + ExerciseTcp(span, source, destination)
        + ExerciseIcmpV4(span) + ExerciseIcmpV6(span, source, destination);

    private static int ExerciseUdp(Span<byte> span, NetAddress source, NetAddress destination)
    {
        if (!UdpHeader.TryParse(span, out UdpHeader udp))
        {
            return 0;
        }
        _ = udp.Datagram;
        _ = udp.Payload;
        _ = udp.IsChecksumValid(source, destination);
        _ = udp.IsChecksumValid(V6, V6);
        _ = udp.ComputeChecksum(source, destination);
        udp.SourcePort = udp.SourcePort;
        udp.DestinationPort = udp.DestinationPort;
        udp.Length = udp.Length;
        udp.Checksum = udp.Checksum;
        return 1;
    }

    private static int ExerciseTcp(Span<byte> span, NetAddress source, NetAddress destination)
    {
        if (!TcpHeader.TryParse(span, out TcpHeader tcp))
        {
            return 0;
        }
        _ = tcp.Payload;
        _ = tcp.Segment;
        _ = tcp.IsChecksumValid(source, destination);
        _ = tcp.ComputeChecksum(source, destination);
        if (tcp.TryGetOptions(out TcpOptionsInfo options))
        {
            // Re-emitting what was parsed must fit and re-parse to the same values.
            Span<byte> written = stackalloc byte[TcpHeader.MaxOptionsLength];
            int length = TcpOptions.Write(written, options);
            Assert.Equal(length, TcpOptions.GetLength(options));
            Assert.True(TcpOptionsInfo.TryParse(written[..length], out TcpOptionsInfo again));
            Assert.Equal(options with { SackBlocks = again.SackBlocks }, again);
        }
        foreach (TcpOption option in new TcpOptions(tcp.Options))
        {
            _ = option.Kind;
            _ = option.Data.Length;
        }
        tcp.SourcePort = tcp.SourcePort;
        tcp.DestinationPort = tcp.DestinationPort;
        tcp.SequenceNumber = tcp.SequenceNumber;
        tcp.AcknowledgmentNumber = tcp.AcknowledgmentNumber;
        tcp.Flags = tcp.Flags;
        tcp.WindowSize = tcp.WindowSize;
        tcp.Checksum = tcp.Checksum;
        tcp.UrgentPointer = tcp.UrgentPointer;
        return 1;
    }

    private static int ExerciseIcmpV4(Span<byte> span)
    {
        if (!IcmpV4Header.TryParse(span, out IcmpV4Header icmp))
        {
            return 0;
        }
        _ = icmp.IsError;
        _ = icmp.Message;
        _ = icmp.Payload;
        _ = icmp.IsChecksumValid;
        _ = icmp.ComputeChecksum();
        icmp.Type = icmp.Type;
        icmp.Code = icmp.Code;
        icmp.Checksum = icmp.Checksum;
        icmp.RestOfHeader = icmp.RestOfHeader;
        icmp.Identifier = icmp.Identifier;
        icmp.SequenceNumber = icmp.SequenceNumber;
        icmp.NextHopMtu = icmp.NextHopMtu;
        icmp.Pointer = icmp.Pointer;
        return 1 + (Ipv4Header.TryParse(icmp.Payload, out _) ? 1 : 0);
    }

    private static int ExerciseIcmpV6(Span<byte> span, NetAddress source, NetAddress destination)
    {
        if (!IcmpV6Header.TryParse(span, out IcmpV6Header icmp6))
        {
            return 0;
        }
        _ = icmp6.IsError;
        _ = icmp6.NeighborFlags;
        _ = icmp6.TargetAddress;
        _ = icmp6.NeighborOptions;
        _ = icmp6.TryGetLinkLayerAddress(IcmpV6Header.SourceLinkLayerAddressOption, out _);
        _ = icmp6.TryGetLinkLayerAddress(IcmpV6Header.TargetLinkLayerAddressOption, out _);
        _ = icmp6.IsChecksumValid(source, destination);
        _ = icmp6.ComputeChecksum(V6, V6);
        icmp6.Type = icmp6.Type;
        icmp6.Code = icmp6.Code;
        icmp6.Checksum = icmp6.Checksum;
        icmp6.RestOfHeader = icmp6.RestOfHeader;
        icmp6.Identifier = icmp6.Identifier;
        icmp6.SequenceNumber = icmp6.SequenceNumber;
        icmp6.Mtu = icmp6.Mtu;
        icmp6.Pointer = icmp6.Pointer;
        if (icmp6.Payload.Length >= Ipv6Header.Length)
        {
            _ = Ipv6ExtensionHeaders.TryWalk(icmp6.Payload, icmp6.Payload[Ipv6Header.NextHeaderOffset], Ipv6Header.Length, Ipv6Header.NextHeaderOffset, out _);
        }
        return 1;
    }
}
