using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class Ipv6ExtensionHeadersTests
{
    [Fact]
    public void NoExtensionHeaders()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.TcpV6Syn);
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.Equal(IpProtocol.Tcp, chain.UpperLayerProtocol);
        Assert.Equal(40, chain.UpperLayerOffset);
        Assert.Equal(0, chain.HeaderCount);
        Assert.False(chain.HasHopByHop);
        Assert.False(chain.HasFragmentHeader);
        Assert.False(chain.IsFragment);
    }

    [Fact]
    public void CapturedMldReportHasHopByHopRouterAlert()
    {
        // Frame 3: MLDv2 report with a Hop-by-Hop header carrying Router Alert (RFC 3810 §5) and PadN.
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.MldReportHopByHop);
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.True(chain.HasHopByHop);
        Assert.Equal(1, chain.HeaderCount);
        Assert.Equal(IpProtocol.IcmpV6, chain.UpperLayerProtocol);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.Equal(IcmpV6Type.MulticastListenerReportV2, packet[48]);
        Assert.Equal(5, packet[42]); // option type Router Alert
    }

    [Fact]
    public void CapturedFirstFragment()
    {
        // Frame 55: the first fragment of a 1400-byte ping -6 after path MTU 1280 was learned.
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.Ipv6FirstFragment);
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.Equal(IpProtocol.IcmpV6, chain.UpperLayerProtocol);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.Equal(40, chain.FragmentHeaderOffset);
        Assert.Equal(Ipv6Header.NextHeaderOffset, chain.FragmentNextHeaderFieldOffset);
        Assert.Equal(0, chain.FragmentOffset);
        Assert.True(chain.MoreFragments);
        Assert.Equal(0xbcd06996u, chain.FragmentIdentification);
        Assert.True(chain.IsFragment);
    }

    [Fact]
    public void CapturedLastFragmentStopsAfterFragmentHeader()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.Ipv6LastFragment);
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.Equal(IpProtocol.IcmpV6, chain.UpperLayerProtocol);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.Equal(1232, chain.FragmentOffset);
        Assert.False(chain.MoreFragments);
        Assert.Equal(0xbcd06996u, chain.FragmentIdentification);

        Assert.True(Ipv6FragmentHeader.TryParse(packet.AsSpan(40), out Ipv6FragmentHeader fragment));
        Assert.Equal(IpProtocol.IcmpV6, fragment.NextHeader);
        Assert.Equal(1232, fragment.FragmentOffset);
        Assert.False(fragment.MoreFragments);
        Assert.Equal(0xbcd06996u, fragment.Identification);
        byte[] written = new byte[8];
        Assert.Equal(8, Ipv6FragmentHeader.Write(written, IpProtocol.IcmpV6, 1232, false, 0xbcd06996));
        Assert.Equal(packet[40..48], written);

        fragment.MoreFragments = true;
        fragment.FragmentOffset = 8;
        fragment.Identification = 7;
        fragment.NextHeader = IpProtocol.Udp;
        Assert.Equal(written.Length, Ipv6FragmentHeader.Write(written, IpProtocol.Udp, 8, true, 7));
        Assert.Equal(packet[40..48], written);
        Assert.False(Ipv6FragmentHeader.TryParse(packet.AsSpan(40, 7), out _));
    }

    /// <summary>
    /// Builds fixed header (next header <paramref name="first"/>) + the given extension headers + 8 bytes of UDP.
    /// Each element is the bytes of the header named by the previous next-header value.
    /// </summary>
    private static byte[] Build(byte first, params byte[][] headers)
    {
        int length = 40 + 8;
        foreach (byte[] h in headers)
        {
            length += h.Length;
        }
        byte[] packet = new byte[length];
        Ipv6Header.Write(packet, NetAddress.Parse("fd00:9::1"), NetAddress.Parse("fd00:9::2"), first, length - 40, 64);
        int offset = 40;
        foreach (byte[] h in headers)
        {
            h.CopyTo(packet, offset);
            offset += h.Length;
        }
        UdpHeader.Write(packet.AsSpan(offset), 1, 2, 8);
        return packet;
    }

    private static byte[] Ext(byte next, int units = 0, byte third = 0, byte fourth = 0)
    {
        byte[] h = new byte[(units + 1) * 8];
        h[0] = next;
        h[1] = (byte)units;
        h[2] = third;
        h[3] = fourth;
        return h;
    }

    private static byte[] Frag(byte next, int offset, bool more)
    {
        byte[] h = new byte[8];
        Ipv6FragmentHeader.Write(h, next, offset, more, 0x01020304);
        return h;
    }

    [Fact]
    public void WalksFullChainInRfc8200Order()
    {
        byte[] packet = Build(IpProtocol.HopByHop,
            Ext(IpProtocol.DestinationOptions),
            Ext(IpProtocol.Routing, 1),
            Ext(IpProtocol.Fragment, 0, 4, 0), // type 4 (SRH-like), segments left 0
            Frag(IpProtocol.DestinationOptions, 0, false),
            Ext(IpProtocol.Udp, 2));
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.Equal(IpProtocol.Udp, chain.UpperLayerProtocol);
        Assert.Equal(40 + 8 + 16 + 8 + 8 + 24, chain.UpperLayerOffset);
        Assert.Equal(5, chain.HeaderCount);
        Assert.True(chain.HasHopByHop);
        Assert.Equal(0, chain.RoutingSegmentsLeft);
        Assert.Equal(40 + 8 + 16 + 8, chain.FragmentHeaderOffset);
        Assert.Equal(40 + 8 + 16, chain.FragmentNextHeaderFieldOffset);
        Assert.False(chain.IsFragment); // atomic fragment
        Assert.True(chain.HasFragmentHeader);
    }

    [Fact]
    public void ReportsRoutingSegmentsLeft()
    {
        byte[] packet = Build(IpProtocol.Routing, Ext(IpProtocol.Udp, 2, 0, 3));
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.Equal(3, chain.RoutingSegmentsLeft);
        Assert.Equal(64, chain.UpperLayerOffset);
    }

    [Fact]
    public void NoNextHeaderEndsTheChain()
    {
        byte[] packet = Build(IpProtocol.DestinationOptions, Ext(IpProtocol.NoNextHeader));
        Assert.True(Ipv6ExtensionHeaders.TryParse(packet, out Ipv6ExtensionHeaders chain));
        Assert.Equal(IpProtocol.NoNextHeader, chain.UpperLayerProtocol);
        Assert.Equal(48, chain.UpperLayerOffset);
    }

    [Fact]
    public void HopByHopNotFirstIsRejected()
    {
        byte[] packet = Build(IpProtocol.DestinationOptions, Ext(IpProtocol.HopByHop), Ext(IpProtocol.Udp));
        Assert.False(Ipv6ExtensionHeaders.TryParse(packet, out _));
    }

    [Fact]
    public void RepeatedHeadersAreRejected()
    {
        Assert.False(Ipv6ExtensionHeaders.TryParse(Build(IpProtocol.Routing, Ext(IpProtocol.Routing), Ext(IpProtocol.Udp)), out _));
        Assert.False(Ipv6ExtensionHeaders.TryParse(Build(IpProtocol.Fragment, Frag(IpProtocol.Fragment, 0, true), Frag(IpProtocol.Udp, 0, true)), out _));
        Assert.False(Ipv6ExtensionHeaders.TryParse(
            Build(IpProtocol.DestinationOptions, Ext(IpProtocol.DestinationOptions), Ext(IpProtocol.DestinationOptions), Ext(IpProtocol.Udp)), out _));
        // Two Destination Options headers (before and after Routing) are legitimate.
        Assert.True(Ipv6ExtensionHeaders.TryParse(
            Build(IpProtocol.DestinationOptions, Ext(IpProtocol.Routing), Ext(IpProtocol.DestinationOptions), Ext(IpProtocol.Udp)), out _));
    }

    [Fact]
    public void SelfLoopingChainIsRejected()
    {
        // A Destination Options header naming itself as next, repeated to the end of the buffer: must stop.
        byte[] packet = new byte[40 + 8 * 200];
        Ipv6Header.Write(packet, NetAddress.AnyV6, NetAddress.AnyV6, IpProtocol.DestinationOptions, 8 * 200, 64);
        for (int i = 40; i < packet.Length; i += 8)
        {
            packet[i] = IpProtocol.DestinationOptions;
        }
        Assert.False(Ipv6ExtensionHeaders.TryParse(packet, out _));
    }

    [Fact]
    public void TruncatedChainsAreRejected()
    {
        byte[] packet = Build(IpProtocol.HopByHop, Ext(IpProtocol.Routing, 1), Ext(IpProtocol.Fragment), Frag(IpProtocol.Udp, 0, false));
        int upper = 40 + 8 + 16 + 8;
        for (int payload = 0; payload < upper - 40; payload++)
        {
            byte[] copy = packet[..(40 + payload)];
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(4), (ushort)payload);
            Assert.False(Ipv6ExtensionHeaders.TryParse(copy, out _), $"payload {payload}");
            Assert.False(Ipv6ExtensionHeaders.TryWalk(packet.AsSpan(0, 40 + payload), IpProtocol.HopByHop, 40, 6, out _));
        }
        // Exactly up to the upper-layer header is enough for the walk (the UDP header is the caller's to check).
        Assert.True(Ipv6ExtensionHeaders.TryWalk(packet.AsSpan(0, upper), IpProtocol.HopByHop, 40, 6, out Ipv6ExtensionHeaders chain));
        Assert.Equal(upper, chain.UpperLayerOffset);
    }

    [Fact]
    public void LyingHeaderLengthIsRejected()
    {
        byte[] packet = Build(IpProtocol.DestinationOptions, Ext(IpProtocol.Udp, 1));
        packet[41] = 3; // claims 32 bytes; only 16 + 8 (UDP) follow the fixed header
        Assert.False(Ipv6ExtensionHeaders.TryParse(packet, out _));
        Assert.False(Ipv6ExtensionHeaders.TryWalk(packet, IpProtocol.DestinationOptions, packet.Length + 1, 6, out _));
        Assert.False(Ipv6ExtensionHeaders.TryWalk(packet, IpProtocol.DestinationOptions, -1, 6, out _));
    }
}
