using Netstack.Wire;

namespace Netstack.Tests;

public class ChecksumTests
{
    // The IPv4 header of an ICMP echo request as `ping -c1 10.9.0.2` sends it from 10.9.0.1 (checksum 0x1ce1 included).
    private static readonly byte[] Ipv4Header = Convert.FromHexString("4500005409b440004001" + "1ce1" + "0a0900010a090002");

    [Fact]
    public void CapturedIpv4HeaderChecksumIsValid()
    {
        byte[] h = (byte[])Ipv4Header.Clone();
        ushort onWire = (ushort)((h[10] << 8) | h[11]);
        h[10] = h[11] = 0;
        Assert.Equal(onWire, Checksum.Compute(h));
        Assert.True(Checksum.IsValid(Ipv4Header));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(1501)]
    [InlineData(65535)]
    public void VectorisedSumMatchesScalarReference(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        ulong reference = 0;
        for (int i = 0; i < length; i += 2)
        {
            reference += (uint)(data[i] << 8) | (i + 1 < length ? data[i + 1] : 0u);
        }
        Assert.Equal(Checksum.Fold(reference), Checksum.Fold(Checksum.Add(data)));
    }

    [Fact]
    public void IncrementalUpdateMatchesRecompute()
    {
        byte[] h = (byte[])Ipv4Header.Clone();
        ushort before = (ushort)((h[10] << 8) | h[11]);
        // Decrement the TTL (byte 8, high byte of the TTL/protocol word) as a router would.
        ushort oldWord = (ushort)((h[8] << 8) | h[9]);
        h[8]--;
        ushort newWord = (ushort)((h[8] << 8) | h[9]);
        ushort updated = Checksum.Update(before, oldWord, newWord);
        h[10] = h[11] = 0;
        Assert.Equal(Checksum.Compute(h), updated);
    }

    [Fact]
    public void PseudoHeaderMatchesExplicitBytes()
    {
        NetAddress src = NetAddress.Parse("fd00:9::1"), dst = NetAddress.Parse("fd00:9::2");
        byte[] pseudo = new byte[40];
        src.WriteTo(pseudo);
        dst.WriteTo(pseudo.AsSpan(16));
        pseudo[35] = 100; // length
        pseudo[39] = 17; // next header
        Assert.Equal(Checksum.Fold(Checksum.Add(pseudo)), Checksum.Fold(Checksum.PseudoHeader(src, dst, 17, 100)));
    }
}
