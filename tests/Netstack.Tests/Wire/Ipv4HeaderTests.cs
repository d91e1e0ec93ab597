using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class Ipv4HeaderTests
{
    private static readonly NetAddress A = NetAddress.Parse("10.9.1.1");
    private static readonly NetAddress B = NetAddress.Parse("10.9.1.2");

    [Fact]
    public void ParsesCapturedEchoRequest()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRequest);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(4, ip.Version);
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(0, ip.TypeOfService);
        Assert.Equal(0, ip.Dscp);
        Assert.Equal(0, ip.Ecn);
        Assert.Equal(84, ip.TotalLength);
        Assert.Equal(0x78d5, ip.Identification);
        Assert.True(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.Equal(0, ip.FragmentOffset);
        Assert.False(ip.IsFragment);
        Assert.Equal(64, ip.TimeToLive);
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.Equal(0xabbf, ip.HeaderChecksum);
        Assert.Equal(A, ip.Source);
        Assert.Equal(B, ip.Destination);
        Assert.True(ip.IsChecksumValid);
        Assert.Equal(0xabbf, ip.ComputeChecksum());
        Assert.Equal(0, ip.Options.Length);
        Assert.Equal(64, ip.Payload.Length);
        Assert.Equal(84, ip.Packet.Length);
    }

    [Fact]
    public void WriterReproducesCapturedHeader()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRequest);
        byte[] written = new byte[20];
        Assert.Equal(20, Ipv4Header.Write(written, A, B, IpProtocol.Icmp, 84, 0x78d5, 64, dontFragment: true));
        Assert.Equal(packet[..20], written);
    }

    [Fact]
    public void WriterReproducesCapturedFragment()
    {
        // Frame 52: the last fragment of a 1400-byte ping, offset 157 × 8 = 1256, MF clear, DF clear.
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.Ipv4LastFragment);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(1256, ip.FragmentOffset);
        Assert.False(ip.MoreFragments);
        Assert.False(ip.DontFragment);
        Assert.True(ip.IsFragment);
        Assert.Equal(0xa583, ip.Identification);
        Assert.Equal(0xbc1b, ip.HeaderChecksum);
        byte[] written = new byte[20];
        Ipv4Header.Write(written, A, NetAddress.Parse("10.9.3.3"), IpProtocol.Icmp, 172, 0xa583, 64, dontFragment: false, fragmentOffset: 1256);
        Assert.Equal(packet[..20], written);

        byte[] first = WireTestHelpers.AfterEthernet(CapturedFrames.Ipv4FirstFragment);
        Assert.True(Ipv4Header.TryParse(first, out Ipv4Header ip1));
        Assert.True(ip1.MoreFragments);
        Assert.Equal(0, ip1.FragmentOffset);
        Assert.True(ip1.IsFragment);
        Ipv4Header.Write(written, A, NetAddress.Parse("10.9.3.3"), IpProtocol.Icmp, 1276, 0xa583, 64, dontFragment: false, moreFragments: true);
        Assert.Equal(first[..20], written);
    }

    [Fact]
    public void ParsesCapturedRecordRouteOption()
    {
        // Frame 15: ping -R; IHL 15 with a NOP and a Record Route option (type 7, length 39, pointer 8).
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRecordRoute);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(60, ip.HeaderLength);
        Assert.Equal(124, ip.TotalLength);
        Assert.Equal(40, ip.Options.Length);
        Assert.Equal(1, ip.Options[0]); // NOP aligns the option
        Assert.Equal(7, ip.Options[1]);
        Assert.Equal(39, ip.Options[2]);
        Assert.Equal(8, ip.Options[3]);
        Assert.Equal(A, NetAddress.ReadV4(ip.Options[4..]));
        Assert.Equal(0x6e7d, ip.HeaderChecksum);
        Assert.True(ip.IsChecksumValid);
        Assert.Equal(0x6e7d, ip.ComputeChecksum());
        Assert.Equal(64, ip.Payload.Length);
        Assert.Equal(IcmpV4Type.EchoRequest, ip.Payload[0]);
    }

    [Fact]
    public void SettersAndSetChecksumRoundTrip()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRequest);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        ip.TimeToLive = 63;
        Assert.False(ip.IsChecksumValid);
        ip.SetChecksum();
        Assert.True(ip.IsChecksumValid);
        // RFC 1624 incremental update agrees with the full recomputation.
        Assert.Equal(ip.HeaderChecksum, Checksum.Update((ushort)0xabbf, (ushort)0x4001, (ushort)0x3f01));
        ip.Ecn = 3;
        Assert.Equal(3, ip.Ecn);
        Assert.Equal(0, ip.Dscp);
        ip.MoreFragments = true;
        ip.FragmentOffset = 1480;
        Assert.True(ip.MoreFragments);
        Assert.True(ip.DontFragment);
        Assert.Equal(1480, ip.FragmentOffset);
        ip.DontFragment = false;
        ip.MoreFragments = false;
        Assert.Equal(1480, ip.FragmentOffset);
        Assert.Equal(0x00B9, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(6)));
        ip.Source = B;
        ip.Destination = A;
        Assert.Equal(B, ip.Source);
        Assert.Equal(A, ip.Destination);
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRecordRoute);
        WireTestHelpers.AssertPrefixes(packet, packet.Length, b => Ipv4Header.TryParse(b, out _));
    }

    [Fact]
    public void LinkPaddingAfterTotalLengthIsAllowedAndExcluded()
    {
        byte[] packet = [.. WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRequest), 0, 0, 0, 0];
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(84, ip.Packet.Length);
        Assert.Equal(64, ip.Payload.Length);
    }

    [Theory]
    [InlineData(0x44)] // IHL 4 < 5
    [InlineData(0x40)] // IHL 0
    [InlineData(0x4F)] // IHL 15 = 60 bytes, but the packet says total length 84 with a 20-byte header; 60 fits, see below
    [InlineData(0x65)] // version 6
    [InlineData(0x05)] // version 0
    public void LyingVersionOrIhlIsRejected(byte versionIhl)
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRequest);
        packet[0] = versionIhl;
        bool expected = versionIhl == 0x4F; // 60 <= 84 = total length: structurally valid (the options are garbage).
        Assert.Equal(expected, Ipv4Header.TryParse(packet, out _));
        Assert.False(Ipv4Header.TryParse(packet.AsSpan(0, 40), out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    [InlineData(85)]
    [InlineData(65535)]
    public void LyingTotalLengthIsRejected(int totalLength)
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRequest);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)totalLength);
        Assert.False(Ipv4Header.TryParse(packet, out _));
    }

    [Fact]
    public void TotalLengthSmallerThanOptionsIsRejected()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV4EchoRecordRoute);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 40); // IHL says 60
        Assert.False(Ipv4Header.TryParse(packet, out _));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 60); // header only: allowed
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(0, ip.Payload.Length);
    }
}
