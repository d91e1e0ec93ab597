using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class ArpPacketTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("76:db:84:da:12:d0");
    private static readonly MacAddress MacB = MacAddress.Parse("32:b2:91:12:0a:81");
    private static readonly NetAddress A = NetAddress.Parse("10.9.1.1");
    private static readonly NetAddress B = NetAddress.Parse("10.9.1.2");

    [Fact]
    public void ParsesCapturedRequestAndRewritesIt()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.ArpRequest);
        Assert.True(ArpPacket.TryParse(packet, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationRequest, arp.Operation);
        Assert.Equal(MacA, arp.SenderHardwareAddress);
        Assert.Equal(A, arp.SenderProtocolAddress);
        Assert.Equal(default, arp.TargetHardwareAddress);
        Assert.Equal(B, arp.TargetProtocolAddress);

        byte[] written = new byte[28];
        Assert.Equal(28, ArpPacket.Write(written, ArpPacket.OperationRequest, MacA, A, default, B));
        Assert.Equal(packet, written);
    }

    [Fact]
    public void ParsesCapturedReplyAndRewritesWholeFrame()
    {
        byte[] frame = CapturedFrames.Bytes(CapturedFrames.ArpReply);
        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader eth));
        Assert.Equal(EtherType.Arp, eth.EtherType);
        Assert.True(ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationReply, arp.Operation);
        Assert.Equal(MacB, arp.SenderHardwareAddress);
        Assert.Equal(B, arp.SenderProtocolAddress);
        Assert.Equal(MacA, arp.TargetHardwareAddress);
        Assert.Equal(A, arp.TargetProtocolAddress);

        byte[] written = new byte[42];
        int n = EthernetHeader.Write(written, MacA, MacB, EtherType.Arp);
        n += ArpPacket.Write(written.AsSpan(n), ArpPacket.OperationReply, MacB, B, MacA, A);
        Assert.Equal(42, n);
        Assert.Equal(frame, written);
    }

    [Fact]
    public void RequestTurnsIntoReplyThroughSetters()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.ArpRequest);
        Assert.True(ArpPacket.TryParse(packet, out ArpPacket arp));
        arp.Operation = ArpPacket.OperationReply;
        arp.TargetHardwareAddress = arp.SenderHardwareAddress;
        arp.TargetProtocolAddress = arp.SenderProtocolAddress;
        arp.SenderHardwareAddress = MacB;
        arp.SenderProtocolAddress = B;
        Assert.Equal(WireTestHelpers.AfterEthernet(CapturedFrames.ArpReply), packet);
    }

    [Fact]
    public void PaddedFrameIsAccepted()
    {
        byte[] packet = [.. WireTestHelpers.AfterEthernet(CapturedFrames.ArpRequest), .. new byte[18]];
        Assert.True(ArpPacket.TryParse(packet, out ArpPacket arp));
        Assert.Equal(B, arp.TargetProtocolAddress);
    }

    [Fact]
    public void TruncatedPacketsAreRejected()
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.ArpRequest);
        WireTestHelpers.AssertPrefixes(packet, 28, b => ArpPacket.TryParse(b, out _));
    }

    [Theory]
    [InlineData(0, 6)] // hardware type 6 (IEEE 802)
    [InlineData(2, 0x86DD)] // protocol type IPv6
    [InlineData(4, 0x0804)] // hardware length 8 (lying: offsets would move)
    [InlineData(4, 0x0610)] // protocol length 16
    public void NonEthernetIpv4ArpIsRejected(int offset, int value)
    {
        byte[] packet = WireTestHelpers.AfterEthernet(CapturedFrames.ArpRequest);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset), (ushort)value);
        Assert.False(ArpPacket.TryParse(packet, out _));
    }
}
