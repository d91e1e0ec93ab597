using System.Text;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class TcpHeaderTests
{
    private static readonly NetAddress A4 = NetAddress.Parse("10.9.1.1");
    private static readonly NetAddress B4 = NetAddress.Parse("10.9.1.2");
    private static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    /// <summary>
    /// Not captured: an ACK from A carrying NOP NOP TS and NOP NOP SACK with three blocks, built by hand (the
    /// kernel did not SACK on the loss-free veth), written to a pcap and checked with `tshark -r -V`: tshark
    /// decodes "SACK 1001-2001 3001-4001 5001-6001" (relative to ack 3798326957) and both checksums as correct.
    /// </summary>
    private const string SackFrame =
        "32b291120a8176db84da12d00800450000507b1a40004006a9790a0901010a0901028cce1f90e9787f94e265deadf010003f81aa" +
        "00000101080a76e5a87ee448b5dc0101051ae265e295e265e67de265ea65e265ee4de265f235e265f61d";

    private static byte[] Segment(string frame, int ipHeaderLength) => WireTestHelpers.AfterEthernet(frame)[ipHeaderLength..];

    [Fact]
    public void ParsesCapturedSynAndRewritesIt()
    {
        byte[] segment = Segment(CapturedFrames.TcpV4Syn, 20);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(36046, tcp.SourcePort);
        Assert.Equal(8080, tcp.DestinationPort);
        Assert.Equal(3916988307u, tcp.SequenceNumber);
        Assert.Equal(0u, tcp.AcknowledgmentNumber);
        Assert.Equal(40, tcp.HeaderLength);
        Assert.Equal(TcpFlags.Syn, tcp.Flags);
        Assert.Equal(64240, tcp.WindowSize);
        Assert.Equal(0x0229, tcp.Checksum);
        Assert.Equal(0, tcp.UrgentPointer);
        Assert.Equal(20, tcp.Options.Length);
        Assert.Equal(0, tcp.Payload.Length);
        Assert.True(tcp.IsChecksumValid(A4, B4));
        Assert.Equal(0x0229, tcp.ComputeChecksum(A4, B4));

        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        var expected = new TcpOptionsInfo
        {
            Mss = 1460,
            SackPermitted = true,
            Timestamp = new TcpTimestamp(1994762366, 0),
            WindowScale = 10,
        };
        Assert.Equal(expected, options);

        // Linux SYN layout: MSS, SACK-Permitted + TS, NOP, WS.
        byte[] written = new byte[segment.Length];
        Assert.Equal(40, TcpHeader.Write(written, 36046, 8080, 3916988307, 0, TcpFlags.Syn, 64240, expected));
        Assert.True(TcpHeader.TryParse(written, out TcpHeader w));
        w.SetChecksum(A4, B4);
        Assert.Equal(segment, written);
        Assert.Equal(20, TcpOptions.GetLength(expected));
    }

    [Fact]
    public void ParsesCapturedSynAck()
    {
        byte[] segment = Segment(CapturedFrames.TcpV4SynAck, 20);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, tcp.Flags);
        Assert.Equal(3798326956u, tcp.SequenceNumber);
        Assert.Equal(3916988308u, tcp.AcknowledgmentNumber);
        Assert.Equal(65160, tcp.WindowSize);
        Assert.Equal(0xa347, tcp.Checksum);
        Assert.True(tcp.IsChecksumValid(B4, A4));
        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        Assert.Equal(new TcpTimestamp(3829970396, 1994762366), options.Timestamp);
        Assert.Equal((ushort)1460, options.Mss);
    }

    [Fact]
    public void ParsesCapturedDataSegmentAndRewritesIt()
    {
        byte[] segment = Segment(CapturedFrames.TcpV4Data, 20);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, tcp.Flags);
        Assert.Equal(3916988308u, tcp.SequenceNumber);
        Assert.Equal(3798326957u, tcp.AcknowledgmentNumber);
        Assert.Equal(32, tcp.HeaderLength);
        Assert.Equal(63, tcp.WindowSize); // scaled by 2^10
        Assert.Equal(0x9dc3, tcp.Checksum);
        Assert.Equal("hello tcp4\n", Encoding.ASCII.GetString(tcp.Payload));
        Assert.True(tcp.IsChecksumValid(A4, B4));
        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        var expected = new TcpOptionsInfo { Timestamp = new TcpTimestamp(1994762366, 3829970396) };
        Assert.Equal(expected, options);

        // Linux data layout: NOP NOP TS.
        byte[] written = new byte[segment.Length];
        int headerLength = TcpHeader.Write(written, 36046, 8080, 3916988308, 3798326957, TcpFlags.Psh | TcpFlags.Ack, 63, expected);
        Assert.Equal(32, headerLength);
        tcp.Payload.CopyTo(written.AsSpan(headerLength));
        Assert.True(TcpHeader.TryParse(written, out TcpHeader w));
        w.SetChecksum(A4, B4);
        Assert.Equal(segment, written);

        // The raw-options writer gives the same bytes.
        byte[] raw = new byte[segment.Length];
        TcpHeader.Write(raw, 36046, 8080, 3916988308, 3798326957, TcpFlags.Psh | TcpFlags.Ack, 63, tcp.Options, 0);
        tcp.Payload.CopyTo(raw.AsSpan(32));
        Assert.True(TcpHeader.TryParse(raw, out TcpHeader r));
        r.SetChecksum(A4, B4);
        Assert.Equal(segment, raw);
    }

    [Fact]
    public void ParsesCapturedIpv6SynAndData()
    {
        byte[] syn = Segment(CapturedFrames.TcpV6Syn, 40);
        Assert.True(TcpHeader.TryParse(syn, out TcpHeader tcp));
        Assert.Equal(57744, tcp.SourcePort);
        Assert.Equal(8081, tcp.DestinationPort);
        Assert.Equal(2791153996u, tcp.SequenceNumber);
        Assert.Equal(0x37f0, tcp.Checksum);
        Assert.True(tcp.IsChecksumValid(A6, B6));
        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        Assert.Equal((ushort)1440, options.Mss);
        Assert.Equal((byte)10, options.WindowScale);
        byte[] written = new byte[syn.Length];
        TcpHeader.Write(written, 57744, 8081, 2791153996, 0, TcpFlags.Syn, 64800, options);
        Assert.True(TcpHeader.TryParse(written, out TcpHeader w));
        w.SetChecksum(A6, B6);
        Assert.Equal(syn, written);

        byte[] data = Segment(CapturedFrames.TcpV6Data, 40);
        Assert.True(TcpHeader.TryParse(data, out TcpHeader d));
        Assert.Equal(0xc966, d.Checksum);
        Assert.Equal(869393807u, d.AcknowledgmentNumber);
        Assert.True(d.IsChecksumValid(A6, B6));
        Assert.False(d.IsChecksumValid(A6, A6));
        Assert.Equal("hello tcp6\n", Encoding.ASCII.GetString(d.Payload));
    }

    [Fact]
    public void SackBlocksRoundTripInLinuxLayout()
    {
        byte[] segment = Segment(SackFrame, 20);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(60, tcp.HeaderLength);
        Assert.Equal(0x81aa, tcp.Checksum);
        Assert.True(tcp.IsChecksumValid(A4, B4));
        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        Assert.Equal(3, options.SackBlocks.Count);
        const uint ack = 3798326957;
        Assert.Equal(new SackBlock(ack + 1000, ack + 2000), options.SackBlocks[0]);
        Assert.Equal(new SackBlock(ack + 3000, ack + 4000), options.SackBlocks[1]);
        Assert.Equal(new SackBlock(ack + 5000, ack + 6000), options.SackBlocks[2]);
        Assert.Equal(new TcpTimestamp(1994762366, 3829970396), options.Timestamp);

        var blocks = new SackBlockList([new(ack + 1000, ack + 2000), new(ack + 3000, ack + 4000), new(ack + 5000, ack + 6000)]);
        var expected = new TcpOptionsInfo { Timestamp = new TcpTimestamp(1994762366, 3829970396), SackBlocks = blocks };
        Assert.Equal(expected, options);
        byte[] written = new byte[segment.Length];
        Assert.Equal(60, TcpHeader.Write(written, 36046, 8080, 3916988308, ack, TcpFlags.Ack, 63, expected));
        Assert.True(TcpHeader.TryParse(written, out TcpHeader w));
        w.SetChecksum(A4, B4);
        Assert.Equal(segment, written);
    }

    [Fact]
    public void EveryTruncationOfTheHeaderIsRejected()
    {
        byte[] segment = Segment(SackFrame, 20);
        WireTestHelpers.AssertPrefixes(segment, 60, b => TcpHeader.TryParse(b, out _));
        byte[] data = Segment(CapturedFrames.TcpV4Data, 20);
        WireTestHelpers.AssertPrefixes(data, 32, b => TcpHeader.TryParse(b, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(11)] // 44 bytes > 43 available
    [InlineData(15)]
    public void LyingDataOffsetIsRejected(int dataOffset)
    {
        byte[] segment = Segment(CapturedFrames.TcpV4Data, 20);
        segment[12] = (byte)(dataOffset << 4);
        Assert.False(TcpHeader.TryParse(segment, out _));
    }

    [Fact]
    public void DataOffsetCoveringThePayloadIsStructurallyValid()
    {
        byte[] segment = Segment(CapturedFrames.TcpV4Data, 20);
        segment[12] = 10 << 4; // 40 bytes of 43: the payload bytes are read as options (garbage, but in bounds)
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(3, tcp.Payload.Length);
        _ = tcp.TryGetOptions(out _);
    }

    [Fact]
    public void SettersWriteTheirFields()
    {
        byte[] segment = new byte[24];
        TcpHeader.Write(segment, 1, 2, 3, 4, TcpFlags.Fin, 5, [2, 4, 5, 0xB4]);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(24, tcp.HeaderLength);
        tcp.SourcePort = 10;
        tcp.DestinationPort = 20;
        tcp.SequenceNumber = uint.MaxValue;
        tcp.AcknowledgmentNumber = 0x80000000;
        tcp.Flags = TcpFlags.Cwr | TcpFlags.Ece | TcpFlags.Urg | TcpFlags.Rst;
        tcp.WindowSize = 65535;
        tcp.UrgentPointer = 7;
        Assert.Equal(10, tcp.SourcePort);
        Assert.Equal(20, tcp.DestinationPort);
        Assert.Equal(uint.MaxValue, tcp.SequenceNumber);
        Assert.Equal(0x80000000u, tcp.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Cwr | TcpFlags.Ece | TcpFlags.Urg | TcpFlags.Rst, tcp.Flags);
        Assert.Equal(0xE4, segment[13]);
        Assert.Equal(65535, tcp.WindowSize);
        Assert.Equal(7, tcp.UrgentPointer);
        Assert.Equal(24, tcp.HeaderLength);
        tcp.SetChecksum(A6, B6);
        Assert.True(tcp.IsChecksumValid(A6, B6));
        Assert.Equal(tcp.Checksum, TcpHeader.ComputeChecksum(segment, A6, B6));
        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        Assert.Equal((ushort)1460, options.Mss);
    }

    [Fact]
    public void RawOptionsMustBeAlignedAndFit()
    {
        byte[] segment = new byte[80];
        Assert.Throws<ArgumentException>(() => TcpHeader.Write(segment, 1, 2, 3, 4, TcpFlags.Ack, 5, new byte[3]));
        Assert.Throws<ArgumentException>(() => TcpHeader.Write(segment, 1, 2, 3, 4, TcpFlags.Ack, 5, new byte[44]));
    }
}
