using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class IcmpV4HeaderTests
{
    private static byte[] Message(string frame)
    {
        byte[] packet = WireTestHelpers.AfterEthernet(frame);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        return ip.Payload.ToArray();
    }

    [Fact]
    public void ParsesCapturedEchoRequestAndRewritesIt()
    {
        byte[] message = Message(CapturedFrames.IcmpV4EchoRequest);
        Assert.True(IcmpV4Header.TryParse(message, out IcmpV4Header icmp));
        Assert.Equal(IcmpV4Type.EchoRequest, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x6d99, icmp.Checksum);
        Assert.Equal(0x252f, icmp.Identifier);
        Assert.Equal(1, icmp.SequenceNumber);
        Assert.Equal(0x252f0001u, icmp.RestOfHeader);
        Assert.False(icmp.IsError);
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(0x6d99, icmp.ComputeChecksum());
        Assert.Equal(56, icmp.Payload.Length);

        byte[] written = new byte[message.Length];
        Assert.Equal(8, IcmpV4Header.WriteEcho(written, IcmpV4Type.EchoRequest, 0x252f, 1));
        message.AsSpan(8).CopyTo(written.AsSpan(8));
        Assert.True(IcmpV4Header.TryParse(written, out IcmpV4Header w));
        w.SetChecksum();
        Assert.Equal(message, written);
    }

    [Fact]
    public void EchoReplyIsTheRequestWithTypeChanged()
    {
        byte[] request = Message(CapturedFrames.IcmpV4EchoRequest);
        byte[] reply = Message(CapturedFrames.IcmpV4EchoReply);
        Assert.True(IcmpV4Header.TryParse(request, out IcmpV4Header icmp));
        icmp.Type = IcmpV4Type.EchoReply;
        icmp.Checksum = Checksum.Update(icmp.Checksum, (ushort)0x0800, (ushort)0x0000);
        Assert.Equal(reply, request);
        Assert.True(icmp.IsChecksumValid);
    }

    [Fact]
    public void ParsesCapturedPortUnreachableWithQuotedDatagram()
    {
        byte[] message = Message(CapturedFrames.IcmpV4PortUnreachable);
        Assert.True(IcmpV4Header.TryParse(message, out IcmpV4Header icmp));
        Assert.Equal(IcmpV4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV4Code.PortUnreachable, icmp.Code);
        Assert.Equal(0x1332, icmp.Checksum);
        Assert.True(icmp.IsError);
        Assert.True(icmp.IsChecksumValid);
        // The quote: the original IPv4 header and the whole UDP datagram (Linux quotes up to 576 bytes).
        Assert.True(Ipv4Header.TryParse(icmp.Payload, out Ipv4Header quoted));
        Assert.Equal(0x69a9, quoted.Identification);
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
        Assert.True(UdpHeader.TryParse(quoted.Payload, out UdpHeader udp));
        Assert.Equal(9, udp.DestinationPort);
        Assert.Equal(0xe972, udp.Checksum);
        Assert.True(udp.IsChecksumValid(quoted.Source, quoted.Destination));

        byte[] written = new byte[message.Length];
        IcmpV4Header.Write(written, IcmpV4Type.DestinationUnreachable, IcmpV4Code.PortUnreachable);
        message.AsSpan(8).CopyTo(written.AsSpan(8));
        Assert.True(IcmpV4Header.TryParse(written, out IcmpV4Header w));
        w.SetChecksum();
        Assert.Equal(message, written);
    }

    [Fact]
    public void ParsesCapturedTimeExceeded()
    {
        byte[] message = Message(CapturedFrames.IcmpV4TimeExceeded);
        Assert.True(IcmpV4Header.TryParse(message, out IcmpV4Header icmp));
        Assert.Equal(IcmpV4Type.TimeExceeded, icmp.Type);
        Assert.Equal(IcmpV4Code.TtlExceededInTransit, icmp.Code);
        Assert.Equal(0xf4ff, icmp.Checksum);
        Assert.True(icmp.IsChecksumValid);
        Assert.True(Ipv4Header.TryParse(icmp.Payload, out Ipv4Header quoted));
        Assert.Equal(1, quoted.TimeToLive);
        Assert.Equal(NetAddress.Parse("10.9.3.3"), quoted.Destination);
    }

    [Fact]
    public void ParsesCapturedFragmentationNeeded()
    {
        // Frame 48: router B cannot forward a 1428-byte DF packet onto its 1280-byte link (RFC 1191 §4).
        byte[] message = Message(CapturedFrames.IcmpV4FragmentationNeeded);
        Assert.True(IcmpV4Header.TryParse(message, out IcmpV4Header icmp));
        Assert.Equal(IcmpV4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV4Code.FragmentationNeeded, icmp.Code);
        Assert.Equal(1280, icmp.NextHopMtu);
        Assert.Equal(1280u, icmp.RestOfHeader);
        Assert.Equal(0x0ec9, icmp.Checksum);
        Assert.True(icmp.IsChecksumValid);
        // The quote is cut at 576 bytes of ICMP message, so the inner total length (1428) exceeds it.
        Assert.False(Ipv4Header.TryParse(icmp.Payload, out _));
        Assert.Equal(1428, BinaryPrimitives.ReadUInt16BigEndian(icmp.Payload[2..]));

        byte[] written = new byte[message.Length];
        IcmpV4Header.Write(written, IcmpV4Type.DestinationUnreachable, IcmpV4Code.FragmentationNeeded, 1280);
        message.AsSpan(8).CopyTo(written.AsSpan(8));
        Assert.True(IcmpV4Header.TryParse(written, out IcmpV4Header w));
        w.SetChecksum();
        Assert.Equal(message, written);
    }

    [Fact]
    public void SettersWriteTheirFields()
    {
        byte[] message = new byte[8];
        Assert.True(IcmpV4Header.TryParse(message, out IcmpV4Header icmp));
        icmp.Type = IcmpV4Type.ParameterProblem;
        icmp.Code = IcmpV4Code.PointerIndicatesError;
        icmp.Pointer = 9;
        Assert.Equal(9, icmp.Pointer);
        Assert.Equal(0x09000000u, icmp.RestOfHeader);
        icmp.NextHopMtu = 1500;
        icmp.Identifier = 7;
        icmp.SequenceNumber = 1500;
        Assert.Equal(0x000705DCu, icmp.RestOfHeader);
        icmp.RestOfHeader = 0x01020304;
        Assert.Equal(0x0304, icmp.SequenceNumber);
        Assert.True(icmp.IsError);
        icmp.SetChecksum();
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(8, icmp.Message.Length);
        Assert.Equal(0, icmp.Payload.Length);
    }

    [Fact]
    public void EveryTruncationBelowEightBytesIsRejected()
    {
        byte[] message = Message(CapturedFrames.IcmpV4EchoRequest);
        WireTestHelpers.AssertPrefixes(message, 8, b => IcmpV4Header.TryParse(b, out _));
    }
}
