using System.Buffers.Binary;
using System.Text;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class UdpHeaderTests
{
    private static readonly NetAddress A4 = NetAddress.Parse("10.9.1.1");
    private static readonly NetAddress B4 = NetAddress.Parse("10.9.1.2");
    private static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    private static byte[] Datagram(string frame, int ipHeaderLength) => WireTestHelpers.AfterEthernet(frame)[ipHeaderLength..];

    [Fact]
    public void ParsesCapturedIpv4Datagram()
    {
        byte[] datagram = Datagram(CapturedFrames.UdpV4, 20);
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
        Assert.Equal(57152, udp.SourcePort);
        Assert.Equal(5555, udp.DestinationPort);
        Assert.Equal(19, udp.Length);
        Assert.Equal(0xc134, udp.Checksum);
        Assert.Equal("hello udp4\n", Encoding.ASCII.GetString(udp.Payload));
        Assert.True(udp.IsChecksumValid(A4, B4));
        Assert.Equal(0xc134, udp.ComputeChecksum(A4, B4));
        Assert.False(udp.IsChecksumValid(B4, A4 with { Bits = A4.Bits + 1 }));

        byte[] written = new byte[19];
        Assert.Equal(8, UdpHeader.Write(written, 57152, 5555, 19));
        udp.Payload.CopyTo(written.AsSpan(8));
        Assert.True(UdpHeader.TryParse(written, out UdpHeader w));
        w.SetChecksum(A4, B4);
        Assert.Equal(datagram, written);
    }

    [Fact]
    public void ParsesCapturedIpv6Datagram()
    {
        byte[] datagram = Datagram(CapturedFrames.UdpV6, 40);
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
        Assert.Equal(57898, udp.SourcePort);
        Assert.Equal(5354, udp.DestinationPort);
        Assert.Equal(19, udp.Length);
        Assert.Equal(0xdb0f, udp.Checksum);
        Assert.Equal("hello udp6\n", Encoding.ASCII.GetString(udp.Payload));
        Assert.True(udp.IsChecksumValid(A6, B6));
        Assert.Equal(0xdb0f, UdpHeader.ComputeChecksum(datagram, A6, B6));

        byte[] written = new byte[19];
        UdpHeader.Write(written, 57898, 5354, 19, 0xdb0f);
        udp.Payload.CopyTo(written.AsSpan(8));
        Assert.Equal(datagram, written);
    }

    [Fact]
    public void ZeroChecksumMeansNoneOnIpv4ButIsInvalidOnIpv6()
    {
        byte[] v4 = Datagram(CapturedFrames.UdpV4, 20);
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(6), 0);
        Assert.True(UdpHeader.TryParse(v4, out UdpHeader udp4));
        Assert.True(udp4.IsChecksumValid(A4, B4)); // RFC 768: "all zero ... means the transmitter generated no checksum"
        v4[10] ^= 0xFF; // even a corrupted payload passes: nothing to check
        Assert.True(udp4.IsChecksumValid(A4, B4));

        byte[] v6 = Datagram(CapturedFrames.UdpV6, 40);
        BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(6), 0);
        Assert.True(UdpHeader.TryParse(v6, out UdpHeader udp6));
        Assert.False(udp6.IsChecksumValid(A6, B6)); // RFC 8200 §8.1: a zero UDP checksum must be discarded
    }

    [Fact]
    public void ComputedZeroIsTransmittedAsAllOnes()
    {
        // Choose the last two payload bytes so the one's-complement sum is 0xFFFF, i.e. the checksum computes to 0.
        foreach ((NetAddress src, NetAddress dst) in new[] { (A4, B4), (A6, B6) })
        {
            byte[] datagram = new byte[12];
            UdpHeader.Write(datagram, 1000, 2000, 12);
            ulong sum = Checksum.PseudoHeader(src, dst, IpProtocol.Udp, 12);
            sum = Checksum.Add(datagram, sum);
            ushort filler = (ushort)~Checksum.Fold(sum);
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), filler);
            Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
            Assert.Equal(0xFFFF, udp.ComputeChecksum(src, dst));
            udp.SetChecksum(src, dst);
            Assert.Equal(0xFFFF, udp.Checksum);
            Assert.True(udp.IsChecksumValid(src, dst));
        }
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] datagram = Datagram(CapturedFrames.UdpV4, 20);
        WireTestHelpers.AssertPrefixes(datagram, datagram.Length, b => UdpHeader.TryParse(b, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(65535)]
    public void LyingLengthIsRejected(int length)
    {
        byte[] datagram = Datagram(CapturedFrames.UdpV4, 20);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)length);
        Assert.False(UdpHeader.TryParse(datagram, out _));
    }

    [Fact]
    public void ShorterLengthExcludesTrailingBytes()
    {
        byte[] datagram = [.. Datagram(CapturedFrames.UdpV4, 20), 0xAA, 0xBB];
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
        Assert.Equal(11, udp.Payload.Length);
        Assert.True(udp.IsChecksumValid(A4, B4));
        udp.Length = 8;
        udp.SourcePort = 1;
        udp.DestinationPort = 2;
        Assert.Equal(0, udp.Payload.Length);
        Assert.Equal(1, udp.SourcePort);
        Assert.Equal(2, udp.DestinationPort);
    }
}
