using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class IcmpV6HeaderTests
{
    private static readonly NetAddress A = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress B = NetAddress.Parse("fd00:9::2");
    private static readonly MacAddress MacA = MacAddress.Parse("76:db:84:da:12:d0");
    private static readonly MacAddress MacB = MacAddress.Parse("32:b2:91:12:0a:81");

    private static (byte[] Message, NetAddress Source, NetAddress Destination) Message(string frame)
    {
        byte[] packet = WireTestHelpers.AfterEthernet(frame);
        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        Assert.Equal(IpProtocol.IcmpV6, ip.NextHeader);
        return (ip.Payload.ToArray(), ip.Source, ip.Destination);
    }

    private static byte[] Rewrite(byte[] message, int headerBytes, NetAddress source, NetAddress destination, Func<byte[], int> write)
    {
        byte[] written = new byte[message.Length];
        Assert.Equal(headerBytes, write(written));
        message.AsSpan(headerBytes).CopyTo(written.AsSpan(headerBytes));
        Assert.True(IcmpV6Header.TryParse(written, out IcmpV6Header w));
        w.SetChecksum(source, destination);
        return written;
    }

    [Fact]
    public void ParsesCapturedEchoRequestWithPseudoHeaderChecksum()
    {
        (byte[] message, NetAddress src, NetAddress dst) = Message(CapturedFrames.IcmpV6EchoRequest);
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        Assert.Equal(IcmpV6Type.EchoRequest, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x07f1, icmp.Checksum);
        Assert.Equal(0x2531, icmp.Identifier);
        Assert.Equal(1, icmp.SequenceNumber);
        Assert.False(icmp.IsError);
        Assert.True(icmp.IsChecksumValid(src, dst));
        Assert.False(icmp.IsChecksumValid(dst, NetAddress.Parse("fd00:9::3")));
        Assert.Equal(0x07f1, icmp.ComputeChecksum(src, dst));
        Assert.Equal(NetAddress.AnyV6, icmp.TargetAddress);
        Assert.Equal(0, icmp.NeighborOptions.Length);
        Assert.False(icmp.TryGetLinkLayerAddress(IcmpV6Header.SourceLinkLayerAddressOption, out _));

        byte[] written = Rewrite(message, 8, src, dst, b => IcmpV6Header.WriteEcho(b, IcmpV6Type.EchoRequest, 0x2531, 1));
        Assert.Equal(message, written);
    }

    [Fact]
    public void ParsesCapturedNeighborSolicitation()
    {
        (byte[] message, NetAddress src, NetAddress dst) = Message(CapturedFrames.NeighborSolicitation);
        Assert.Equal(A, src);
        Assert.Equal(B.SolicitedNode, dst);
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        Assert.Equal(IcmpV6Type.NeighborSolicitation, icmp.Type);
        Assert.Equal(0x7100, icmp.Checksum);
        Assert.True(icmp.IsChecksumValid(src, dst));
        Assert.Equal(B, icmp.TargetAddress);
        Assert.Equal(0, icmp.NeighborFlags);
        Assert.True(icmp.TryGetLinkLayerAddress(IcmpV6Header.SourceLinkLayerAddressOption, out MacAddress mac));
        Assert.Equal(MacA, mac);
        Assert.False(icmp.TryGetLinkLayerAddress(IcmpV6Header.TargetLinkLayerAddressOption, out _));

        byte[] written = new byte[32];
        Assert.Equal(32, IcmpV6Header.WriteNeighborSolicitation(written, B, MacA));
        Assert.True(IcmpV6Header.TryParse(written, out IcmpV6Header w));
        w.SetChecksum(src, dst);
        Assert.Equal(message, written);
    }

    [Fact]
    public void ParsesCapturedNeighborAdvertisement()
    {
        (byte[] message, NetAddress src, NetAddress dst) = Message(CapturedFrames.NeighborAdvertisement);
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        Assert.Equal(IcmpV6Type.NeighborAdvertisement, icmp.Type);
        Assert.Equal(0xd03a, icmp.Checksum);
        Assert.True(icmp.IsChecksumValid(src, dst));
        Assert.Equal(B, icmp.TargetAddress);
        // B forwards (it is a router), answers a solicitation, and overrides: R, S and O (RFC 4861 §4.4).
        Assert.Equal(IcmpV6Header.RouterFlag | IcmpV6Header.SolicitedFlag | IcmpV6Header.OverrideFlag, icmp.NeighborFlags);
        Assert.True(icmp.TryGetLinkLayerAddress(IcmpV6Header.TargetLinkLayerAddressOption, out MacAddress mac));
        Assert.Equal(MacB, mac);

        byte[] written = new byte[32];
        const byte flags = IcmpV6Header.RouterFlag | IcmpV6Header.SolicitedFlag | IcmpV6Header.OverrideFlag;
        Assert.Equal(32, IcmpV6Header.WriteNeighborAdvertisement(written, B, flags, MacB));
        Assert.True(IcmpV6Header.TryParse(written, out IcmpV6Header w));
        w.SetChecksum(src, dst);
        Assert.Equal(message, written);

        Assert.Equal(24, IcmpV6Header.WriteNeighborAdvertisement(written, B, 0, null));
        Assert.True(IcmpV6Header.TryParse(written.AsSpan(0, 24), out IcmpV6Header bare));
        Assert.False(bare.TryGetLinkLayerAddress(IcmpV6Header.TargetLinkLayerAddressOption, out _));
    }

    [Fact]
    public void NeighborMessagesWithBadLengthsAreRejected()
    {
        (byte[] message, _, _) = Message(CapturedFrames.NeighborSolicitation);
        for (int length = 0; length <= message.Length; length++)
        {
            bool expected = length is 24 or 32; // the body, or the body with the whole 8-byte option
            Assert.True(expected == IcmpV6Header.TryParse(message.AsSpan(0, length), out _), $"length {length}");
        }
        byte[] zeroLengthOption = (byte[])message.Clone();
        zeroLengthOption[25] = 0; // RFC 4861 §4.6: length 0 is invalid (and would loop forever)
        Assert.False(IcmpV6Header.TryParse(zeroLengthOption, out _));
        byte[] longOption = (byte[])message.Clone();
        longOption[25] = 2; // claims 16 bytes, 8 present
        Assert.False(IcmpV6Header.TryParse(longOption, out _));
    }

    [Fact]
    public void ParsesCapturedPortUnreachable()
    {
        (byte[] message, NetAddress src, NetAddress dst) = Message(CapturedFrames.IcmpV6PortUnreachable);
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        Assert.Equal(IcmpV6Type.DestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV6Code.PortUnreachable, icmp.Code);
        Assert.Equal(0xd0f4, icmp.Checksum);
        Assert.True(icmp.IsError);
        Assert.True(icmp.IsChecksumValid(src, dst));
        Assert.True(Ipv6Header.TryParse(icmp.Payload, out Ipv6Header quoted));
        Assert.Equal(IpProtocol.Udp, quoted.NextHeader);
        Assert.True(UdpHeader.TryParse(quoted.Payload, out UdpHeader udp));
        Assert.Equal(9, udp.DestinationPort);
        Assert.True(udp.IsChecksumValid(quoted.Source, quoted.Destination));

        byte[] written = Rewrite(message, 8, src, dst, b => IcmpV6Header.Write(b, IcmpV6Type.DestinationUnreachable, IcmpV6Code.PortUnreachable));
        Assert.Equal(message, written);
    }

    [Fact]
    public void ParsesCapturedTimeExceeded()
    {
        (byte[] message, NetAddress src, NetAddress dst) = Message(CapturedFrames.IcmpV6TimeExceeded);
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        Assert.Equal(IcmpV6Type.TimeExceeded, icmp.Type);
        Assert.Equal(IcmpV6Code.HopLimitExceeded, icmp.Code);
        Assert.Equal(0x9b42, icmp.Checksum);
        Assert.True(icmp.IsChecksumValid(src, dst));
        Assert.True(Ipv6Header.TryParse(icmp.Payload, out Ipv6Header quoted));
        Assert.Equal(1, quoted.HopLimit);
    }

    [Fact]
    public void ParsesCapturedPacketTooBig()
    {
        (byte[] message, NetAddress src, NetAddress dst) = Message(CapturedFrames.IcmpV6PacketTooBig);
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        Assert.Equal(IcmpV6Type.PacketTooBig, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(1280u, icmp.Mtu);
        Assert.Equal(0x6be0, icmp.Checksum);
        Assert.True(icmp.IsError);
        Assert.True(icmp.IsChecksumValid(src, dst));
        // RFC 4443 §2.4(c): the quote is cut so the error fits the minimum MTU (1280); the inner payload length lies.
        Assert.Equal(1280 - 40 - 8, icmp.Payload.Length);
        Assert.False(Ipv6Header.TryParse(icmp.Payload, out _));
        Assert.True(Ipv6ExtensionHeaders.TryWalk(icmp.Payload, icmp.Payload[Ipv6Header.NextHeaderOffset], Ipv6Header.Length, Ipv6Header.NextHeaderOffset, out Ipv6ExtensionHeaders quoted));
        Assert.Equal(IpProtocol.IcmpV6, quoted.UpperLayerProtocol);

        byte[] written = Rewrite(message, 8, src, dst, b => IcmpV6Header.Write(b, IcmpV6Type.PacketTooBig, 0, 1280));
        Assert.Equal(message, written);
    }

    [Fact]
    public void SettersWriteTheirFields()
    {
        byte[] message = new byte[8];
        Assert.True(IcmpV6Header.TryParse(message, out IcmpV6Header icmp));
        icmp.Type = IcmpV6Type.ParameterProblem;
        icmp.Code = IcmpV6Code.UnrecognizedNextHeader;
        icmp.Pointer = 6;
        Assert.Equal(6u, icmp.RestOfHeader);
        icmp.Mtu = 1500;
        Assert.Equal(1500u, icmp.Pointer);
        icmp.Identifier = 1;
        icmp.SequenceNumber = 2;
        Assert.Equal(0x00010002u, icmp.RestOfHeader);
        icmp.RestOfHeader = 0;
        Assert.Equal(0, icmp.Identifier);
        Assert.Equal(IcmpV6Code.UnrecognizedNextHeader, icmp.Code);
        icmp.SetChecksum(A, B);
        Assert.True(icmp.IsChecksumValid(A, B));
        Assert.Equal(8, icmp.Message.Length);
        // A neighbour type written into an 8-byte view: type-specific accessors return defaults, never throw.
        icmp.Type = IcmpV6Type.NeighborAdvertisement;
        Assert.Equal(NetAddress.AnyV6, icmp.TargetAddress);
        Assert.False(icmp.TryGetLinkLayerAddress(IcmpV6Header.TargetLinkLayerAddressOption, out _));
    }

    [Fact]
    public void EveryTruncationBelowEightBytesIsRejected()
    {
        (byte[] message, _, _) = Message(CapturedFrames.IcmpV6EchoRequest);
        WireTestHelpers.AssertPrefixes(message, 8, b => IcmpV6Header.TryParse(b, out _));
    }
}
