using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class TcpOptionsTests
{
    private static List<(byte Kind, byte[] Data)> Read(byte[] options, out bool malformed)
    {
        var list = new List<(byte, byte[])>();
        var reader = new TcpOptions(options);
        while (reader.MoveNext())
        {
            list.Add((reader.Current.Kind, reader.Current.Data.ToArray()));
        }
        malformed = reader.IsMalformed;
        return list;
    }

    [Fact]
    public void IteratesCapturedSynOptionsSkippingNops()
    {
        byte[] options = Convert.FromHexString("020405b40402080a76e5a87e000000000103030a"); // frame 27
        List<(byte Kind, byte[] Data)> list = Read(options, out bool malformed);
        Assert.False(malformed);
        Assert.Equal(4, list.Count);
        Assert.Equal(TcpOptionKind.MaximumSegmentSize, list[0].Kind);
        Assert.Equal([0x05, 0xb4], list[0].Data);
        Assert.Equal(TcpOptionKind.SackPermitted, list[1].Kind);
        Assert.Empty(list[1].Data);
        Assert.Equal(TcpOptionKind.Timestamp, list[2].Kind);
        Assert.Equal(8, list[2].Data.Length);
        Assert.Equal(TcpOptionKind.WindowScale, list[3].Kind);
        Assert.Equal([10], list[3].Data);

        int count = 0;
        foreach (TcpOption option in new TcpOptions(options))
        {
            Assert.NotEqual(TcpOptionKind.NoOperation, option.Kind);
            count++;
        }
        Assert.Equal(4, count);
    }

    [Fact]
    public void UnknownKindsAreSkippedByLength()
    {
        // kind 30 (MPTCP) length 6, kind 254 (experimental) length 4, then MSS.
        byte[] options = [30, 6, 1, 2, 3, 4, 254, 4, 0xF9, 0x89, 2, 4, 0x05, 0xDC];
        List<(byte Kind, byte[] Data)> list = Read(options, out bool malformed);
        Assert.False(malformed);
        Assert.Equal([(byte)30, (byte)254, TcpOptionKind.MaximumSegmentSize], list.Select(o => o.Kind));
        Assert.Equal([1, 2, 3, 4], list[0].Data);
        Assert.True(TcpOptionsInfo.TryParse(options, out TcpOptionsInfo info));
        Assert.Equal((ushort)1500, info.Mss);
    }

    [Fact]
    public void EndOfOptionListStops()
    {
        byte[] options = [2, 4, 0x05, 0xDC, 0, 3, 3, 7];
        List<(byte Kind, byte[] Data)> list = Read(options, out bool malformed);
        Assert.False(malformed);
        Assert.Single(list);
        Assert.True(TcpOptionsInfo.TryParse(options, out TcpOptionsInfo info));
        Assert.Null(info.WindowScale);
    }

    [Theory]
    [InlineData(new byte[] { 2 })] // kind without a length
    [InlineData(new byte[] { 1, 1, 2 })]
    [InlineData(new byte[] { 2, 0, 0, 0 })] // length 0 would never advance
    [InlineData(new byte[] { 2, 1, 0, 0 })] // length 1 is below the kind+length octets
    [InlineData(new byte[] { 2, 5, 0, 0 })] // runs past the end
    [InlineData(new byte[] { 8, 10, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 30, 255, 0, 0 })]
    public void BadLengthsStopSafelyAndReportMalformed(byte[] options)
    {
        Read(options, out bool malformed);
        Assert.True(malformed);
        Assert.False(TcpOptionsInfo.TryParse(options, out _));
    }

    [Fact]
    public void MalformedAfterGoodOptionsKeepsWhatWasRead()
    {
        byte[] options = [2, 4, 0x05, 0xDC, 1, 3, 9, 0];
        List<(byte Kind, byte[] Data)> list = Read(options, out bool malformed);
        Assert.True(malformed);
        Assert.Single(list);
        Assert.False(TcpOptionsInfo.TryParse(options, out TcpOptionsInfo info));
        Assert.Equal((ushort)1500, info.Mss);
    }

    [Fact]
    public void KnownKindsWithWrongLengthAreIgnored()
    {
        byte[] options = [2, 3, 5, 3, 4, 0, 1, 4, 3, 0, 8, 6, 0, 0, 0, 0, 5, 7, 1, 2, 3, 4, 5];
        Assert.True(TcpOptionsInfo.TryParse(options, out TcpOptionsInfo info));
        Assert.Equal(default, info);
    }

    [Fact]
    public void WindowScaleAbove14IsClamped()
    {
        Assert.True(TcpOptionsInfo.TryParse([1, 3, 3, 20], out TcpOptionsInfo info));
        Assert.Equal((byte)14, info.WindowScale);
    }

    [Fact]
    public void LaterSackOptionReplacesEarlierBlocks()
    {
        byte[] options = [5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 10, 0, 0, 0, 3, 0, 0, 0, 4];
        Assert.True(TcpOptionsInfo.TryParse(options, out TcpOptionsInfo info));
        Assert.Equal(1, info.SackBlocks.Count);
        Assert.Equal(new SackBlock(3, 4), info.SackBlocks[0]);
    }

    [Theory]
    [InlineData(false, false, false, 0, "")]
    [InlineData(true, false, false, 0, "020405b4")]
    [InlineData(false, true, false, 0, "0101080a0000000100000002")]
    [InlineData(false, false, true, 0, "01010402")]
    [InlineData(true, true, true, 0, "020405b40402080a0000000100000002")]
    [InlineData(false, true, false, 1, "0101080a00000001000000020101050a0000000a00000014")]
    [InlineData(false, false, false, 4, "01010522" + "0000000a00000014" + "0000001e00000028" + "000000320000003c" + "0000004600000050")]
    public void WriterUsesLinuxLayouts(bool mss, bool timestamp, bool sackPermitted, int sackBlocks, string expectedHex)
    {
        var blocks = new SackBlockList();
        for (uint i = 0; i < sackBlocks; i++)
        {
            blocks.Add(new SackBlock((2 * i + 1) * 10, (2 * i + 2) * 10));
        }
        var info = new TcpOptionsInfo
        {
            Mss = mss ? (ushort)1460 : null,
            Timestamp = timestamp ? new TcpTimestamp(1, 2) : null,
            SackPermitted = sackPermitted,
            SackBlocks = blocks,
        };
        byte[] buffer = new byte[40];
        int length = TcpOptions.Write(buffer, info);
        Assert.Equal(expectedHex, Convert.ToHexString(buffer, 0, length).ToLowerInvariant());
        Assert.Equal(length, TcpOptions.GetLength(info));
        Assert.Equal(0, length % 4);
        Assert.True(TcpOptionsInfo.TryParse(buffer.AsSpan(0, length), out TcpOptionsInfo parsed));
        Assert.Equal(info, parsed);
    }

    [Fact]
    public void SackBlocksAreTruncatedToFitWithTimestamps()
    {
        var blocks = new SackBlockList([new(1, 2), new(3, 4), new(5, 6), new(7, 8)]);
        Assert.False(blocks.Add(new SackBlock(9, 10)));
        var info = new TcpOptionsInfo { Timestamp = new TcpTimestamp(1, 2), SackBlocks = blocks };
        byte[] buffer = new byte[40];
        int length = TcpOptions.Write(buffer, info);
        Assert.Equal(40, length); // 12 (TS) + 4 + 3 × 8
        Assert.Equal(40, TcpOptions.GetLength(info));
        Assert.True(TcpOptionsInfo.TryParse(buffer, out TcpOptionsInfo parsed));
        Assert.Equal(3, parsed.SackBlocks.Count);
        Assert.Equal(new SackBlock(5, 6), parsed.SackBlocks[2]);
    }

    [Fact]
    public void SackBlockListEqualityIgnoresUnusedSlots()
    {
        var a = new SackBlockList([new(1, 2), new(3, 4)]);
        var b = new SackBlockList([new(1, 2), new(3, 4), new(5, 6)]);
        Assert.NotEqual(a, b);
        b.Clear();
        b.Add(new SackBlock(1, 2));
        b.Add(new SackBlock(3, 4));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("[(1, 2)(3, 4)]", a.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => a[2]);
    }
}
