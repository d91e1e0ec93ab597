using System.Text;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class TcpHeaderTests
{
    private static readonly NetAddress A4 = NetAddress.Parse("10.9.1.1");
    private static readonly NetAddress B4 = NetAddress.Parse("10.9.1.2");
    private static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    // Real Linux SACKs: B's kernel (10.9.1.2:8080) answering a TCP flow that namespace A spoke by hand from
    // 10.9.1.7 over a veth (Capture/sack-capture.sh), sending 100-byte segments out of order. Captured with tshark
    // on A's veth, TX checksum offload off; tshark reports the IP and TCP checksums as good.
    // Frame 12: ACK 287454021, TSval 4235620036 TSecr 1001, SLE=287454121 SRE=287454221.
    internal const string SackOneBlock =
        "e654ab4d89b18a1d347875d4080045000040d896400040064c070a0901020a0901071f909c400845162a11223345b0100040128600000101080a" +
        "fc766ec4000003e90101050a112233a91122340d";

    // Frame 16: the same ACK after two more out-of-order segments: three blocks, the newest first (RFC 2018 §4).
    internal const string SackThreeBlocks =
        "e654ab4d89b18a1d347875d4080045000050d898400040064bf50a0901020a0901071f909c400845162a11223345f0100040b9c000000101080a" +
        "fc766ec4000003e90101051a112235391122359d11223471112234d5112233a91122340d";

    // Frame 18: the hole filled: ACK 287454221, TSecr 1005, two blocks left.
    internal const string SackTwoBlocks =
        "e654ab4d89b18a1d347875d4080045000048d899400040064bfc0a0901020a0901071f909c400845162a1122340dd010004062ff00000101080a" +
        "fc766ec4000003ed01010512112235391122359d11223471112234d5";

    private static readonly NetAddress SackReceiver = NetAddress.Parse("10.9.1.2");
    private static readonly NetAddress SackSender = NetAddress.Parse("10.9.1.7");

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

    [Theory]
    [InlineData(SackOneBlock, 287454021u, 1001u, 1)]
    [InlineData(SackThreeBlocks, 287454021u, 1001u, 3)]
    [InlineData(SackTwoBlocks, 287454221u, 1005u, 2)]
    public void CapturedSacksRoundTripInLinuxLayout(string frame, uint ack, uint echoReply, int blockCount)
    {
        // Blocks of the three frames, newest first; frame 18 dropped the oldest one once the hole before it filled.
        SackBlock[] all = [new(287454521, 287454621), new(287454321, 287454421), new(287454121, 287454221)];
        SackBlock[] expectedBlocks = blockCount switch
        {
            1 => [all[2]],
            2 => all[..2],
            _ => all,
        };
        byte[] segment = Segment(frame, 20);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(8080, tcp.SourcePort);
        Assert.Equal(40000, tcp.DestinationPort);
        Assert.Equal(138745386u, tcp.SequenceNumber);
        Assert.Equal(ack, tcp.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Ack, tcp.Flags);
        Assert.Equal(64, tcp.WindowSize);
        Assert.Equal(20 + 12 + 4 + (8 * blockCount), tcp.HeaderLength);
        Assert.True(tcp.IsChecksumValid(SackReceiver, SackSender));
        Assert.True(tcp.TryGetOptions(out TcpOptionsInfo options));
        var expected = new TcpOptionsInfo { Timestamp = new TcpTimestamp(4235620036, echoReply), SackBlocks = new SackBlockList(expectedBlocks) };
        Assert.Equal(expected, options);

        byte[] written = new byte[segment.Length];
        Assert.Equal(tcp.HeaderLength, TcpHeader.Write(written, 8080, 40000, 138745386, ack, TcpFlags.Ack, 64, expected));
        Assert.True(TcpHeader.TryParse(written, out TcpHeader w));
        w.SetChecksum(SackReceiver, SackSender);
        Assert.Equal(segment, written);
    }

    [Fact]
    public void EveryTruncationOfTheHeaderIsRejected()
    {
        byte[] segment = Segment(SackThreeBlocks, 20);
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
