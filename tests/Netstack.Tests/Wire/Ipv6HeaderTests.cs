using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class Ipv6HeaderTests
{
    private static readonly NetAddress A = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress B = NetAddress.Parse("fd00:9::2");

    [Fact]
    public void ParsesCapturedEchoRequest()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV6EchoRequest);
        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        Assert.Equal(6, ip.Version);
        Assert.Equal(0, ip.TrafficClass);
        Assert.Equal(0x09ae9u, ip.FlowLabel);
        Assert.Equal(64, ip.PayloadLength);
        Assert.Equal(IpProtocol.IcmpV6, ip.NextHeader);
        Assert.Equal(64, ip.HopLimit);
        Assert.Equal(A, ip.Source);
        Assert.Equal(B, ip.Destination);
        Assert.Equal(64, ip.Payload.Length);
        Assert.Equal(104, ip.Packet.Length);

        byte[] written = new byte[40];
        Assert.Equal(40, Ipv6Header.Write(written, A, B, IpProtocol.IcmpV6, 64, 64, flowLabel: 0x09ae9));
        Assert.Equal(packet[..40], written);
    }

    [Fact]
    public void SettersKeepNeighbouringBits()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV6EchoRequest);
        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        ip.TrafficClass = 0xB9;
        Assert.Equal(0xB9, ip.TrafficClass);
        Assert.Equal(0x09ae9u, ip.FlowLabel);
        Assert.Equal(6, ip.Version);
        ip.FlowLabel = 0xFFFFFFFF;
        Assert.Equal(0xFFFFFu, ip.FlowLabel);
        Assert.Equal(0xB9, ip.TrafficClass);
        Assert.Equal(6, ip.Version);
        ip.HopLimit = 1;
        ip.NextHeader = IpProtocol.Tcp;
        ip.Source = B;
        ip.Destination = A;
        Assert.Equal(1, ip.HopLimit);
        Assert.Equal(IpProtocol.Tcp, ip.NextHeader);
        Assert.Equal(B, ip.Source);
        Assert.Equal(A, ip.Destination);
        byte[] written = new byte[40];
        Ipv6Header.Write(written, B, A, IpProtocol.Tcp, 64, 1, 0xB9, 0xFFFFF);
        Assert.Equal(packet[..40], written);
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV6EchoRequest);
        WireTestHelpers.AssertPrefixes(packet, packet.Length, b => Ipv6Header.TryParse(b, out _));
    }

    [Theory]
    [InlineData(65)]
    [InlineData(65535)]
    public void LyingPayloadLengthIsRejected(int payloadLength)
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV6EchoRequest);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payloadLength);
        Assert.False(Ipv6Header.TryParse(packet, out _));
    }

    [Fact]
    public void ShorterPayloadLengthExcludesTrailingBytes()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV6EchoRequest);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0);
        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        Assert.Equal(0, ip.Payload.Length);
        Assert.Equal(40, ip.Packet.Length);
    }

    [Fact]
    public void WrongVersionIsRejected()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.IcmpV6EchoRequest);
        packet[0] = 0x40;
        Assert.False(Ipv6Header.TryParse(packet, out _));
    }
}
