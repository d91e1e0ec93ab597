using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class TcpSegmentInfoTests
{
    [Fact]
    public void ParsesCapturedSynAndWritesItBack()
    {
        byte[] segment = WireTestHelpers.AfterEthernet(CapturedFrames.TcpV4Syn)[20..];
        Assert.True(TcpSegmentInfo.TryParse(segment, out TcpSegmentInfo info));
        var expected = new TcpSegmentInfo(36046, 8080, 3916988307, 0, TcpFlags.Syn, 64240,
            new TcpOptionsInfo { Mss = 1460, SackPermitted = true, Timestamp = new TcpTimestamp(1994762366, 0), WindowScale = 10 });
        Assert.Equal(expected, info);
        Assert.Equal(1, info.SegmentLength);
        Assert.Equal(40, info.HeaderLength);

        byte[] written = new byte[40];
        Assert.Equal(40, info.WriteTo(written));
        Assert.True(TcpHeader.TryParse(written, out TcpHeader tcp));
        tcp.SetChecksum(NetAddress.Parse("10.9.1.1"), NetAddress.Parse("10.9.1.2"));
        Assert.Equal(segment, written);
    }

    [Fact]
    public void CountsPayloadAndFin()
    {
        byte[] data = WireTestHelpers.AfterEthernet(CapturedFrames.TcpV4Data)[20..];
        Assert.True(TcpSegmentInfo.TryParse(data, out TcpSegmentInfo info));
        Assert.Equal(11, info.PayloadLength);
        Assert.Equal(11, info.SegmentLength);
        Assert.Equal(12, (info with { Flags = info.Flags | TcpFlags.Fin }).SegmentLength);
    }

    [Fact]
    public void MalformedOptionsFailTheParse()
    {
        byte[] data = WireTestHelpers.AfterEthernet(CapturedFrames.TcpV4Data)[20..];
        data[23] = 11; // the Timestamps option claims 11 bytes inside a 12-byte area that starts with 2 NOPs
        Assert.False(TcpSegmentInfo.TryParse(data, out _));
        Assert.False(TcpSegmentInfo.TryParse(data.AsSpan(0, 19), out _));
    }
}
