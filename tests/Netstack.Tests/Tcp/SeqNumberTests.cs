using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class SeqNumberTests
{
    private static SeqNumber S(uint v) => new(v);

    [Fact]
    public void AdditionWrapsAtTwoToThe32()
    {
        Assert.Equal(S(4), S(uint.MaxValue - 5) + 10);
        Assert.Equal(S(4), S(uint.MaxValue - 5) + 10u);
        Assert.Equal(S(uint.MaxValue - 5), S(4) - 10);
        Assert.Equal(S(uint.MaxValue), S(0) + (-1));
    }

    [Fact]
    public void DifferenceIsSignedAcrossTheWrap()
    {
        Assert.Equal(10, S(4) - S(uint.MaxValue - 5));
        Assert.Equal(-10, S(uint.MaxValue - 5) - S(4));
        Assert.Equal(0, S(123) - S(123));
        Assert.Equal(int.MinValue, S(0x8000_0000) - S(0));
    }

    [Theory]
    [InlineData(1u, 2u)]
    [InlineData(0xFFFF_FFF0u, 0x10u)]
    [InlineData(0xFFFF_FFFFu, 0u)]
    [InlineData(0x7FFF_FFFFu, 0x8000_0000u)]
    [InlineData(0u, 0x7FFF_FFFFu)]
    public void ComparisonsFollowTheSignedDifference(uint lower, uint higher)
    {
        SeqNumber a = S(lower), b = S(higher);
        Assert.True(a < b);
        Assert.True(a <= b);
        Assert.False(a > b);
        Assert.False(a >= b);
        Assert.True(b > a);
        Assert.True(b >= a);
        Assert.Equal(b, SeqNumber.Max(a, b));
        Assert.Equal(b, SeqNumber.Max(b, a));
        Assert.Equal(a, SeqNumber.Min(a, b));
        Assert.Equal(a, SeqNumber.Min(b, a));
    }

    [Fact]
    public void EqualNumbersAreBothLessOrEqualAndGreaterOrEqual()
    {
        Assert.True(S(7) <= S(7));
        Assert.True(S(7) >= S(7));
        Assert.False(S(7) < S(7));
        Assert.False(S(7) > S(7));
    }

    [Fact]
    public void InWindowAcrossTheWrap()
    {
        SeqNumber start = S(uint.MaxValue - 99);
        Assert.True(start.InWindow(start, 200));
        Assert.True(S(0).InWindow(start, 200));
        Assert.True(S(99).InWindow(start, 200));
        Assert.False(S(100).InWindow(start, 200));
        Assert.False(S(uint.MaxValue - 100).InWindow(start, 200));
        Assert.False(start.InWindow(start, 0));
    }

    [Fact]
    public void InRangeIsHalfOpenAcrossTheWrap()
    {
        SeqNumber lo = S(0xFFFF_FF00), hi = S(0x100);
        Assert.True(lo.InRange(lo, hi));
        Assert.True(S(0).InRange(lo, hi));
        Assert.True(S(0xFF).InRange(lo, hi));
        Assert.False(hi.InRange(lo, hi));
        Assert.False(S(0xFFFF_FEFF).InRange(lo, hi));
        Assert.False(lo.InRange(lo, lo));
    }

    [Fact]
    public void BytesFromCountsAcrossTheWrap()
    {
        Assert.Equal(20u, S(10).BytesFrom(S(uint.MaxValue - 9)));
    }
}
