using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

public class InitialSequenceNumberTests
{
    private static readonly FourTuple A = new(NetAddress.Parse("10.9.0.1"), 80, NetAddress.Parse("10.9.0.2"), 40000);
    private static readonly FourTuple B = A with { RemotePort = 40001 };

    [Fact]
    public void IsnAdvancesWithTheFourMicrosecondClock()
    {
        var clock = new ManualTimeProvider();
        var isn = new InitialSequenceNumber(clock, StackSecret.Create(1).DeriveKey("tcp isn"u8));
        SeqNumber first = isn.Generate(A);
        Assert.Equal(first, isn.Generate(A));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(250, isn.Generate(A) - first);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(250 + 2_500_000, isn.Generate(A) - first);
    }

    [Fact]
    public void TimestampOffsetIsPerAddressPairNotPerConnection()
    {
        // One timestamp clock per peer host (Linux secure_tcp_ts_off): a new incarnation of a four-tuple goes on
        // from the old one's TSvals, so PAWS can tell the old incarnation's delayed segments apart.
        var isn = new InitialSequenceNumber(new ManualTimeProvider(), new SipHashKey(1, 2));
        uint offset = isn.TimestampOffset(A.LocalAddress, A.RemoteAddress);
        Assert.Equal(offset, isn.TimestampOffset(B.LocalAddress, B.RemoteAddress));
        Assert.NotEqual(offset, isn.TimestampOffset(A.LocalAddress, NetAddress.Parse("10.9.0.3")));
        Assert.NotEqual(offset, isn.TimestampOffset(A.RemoteAddress, A.LocalAddress));
        Assert.NotEqual(offset, new InitialSequenceNumber(new ManualTimeProvider(), new SipHashKey(3, 4)).TimestampOffset(A.LocalAddress, A.RemoteAddress));
    }

    [Fact]
    public void ClockDoesNotOverflowAfterLongUptime()
    {
        var clock = new ManualTimeProvider();
        clock.Advance(TimeSpan.FromDays(400));
        var isn = new InitialSequenceNumber(clock, new SipHashKey(1, 2));
        uint expected = unchecked((uint)(TimeSpan.FromDays(400).Ticks / 40));
        Assert.Equal(expected, isn.Clock);
    }

    [Fact]
    public void DifferentTuplesAndSecretsGiveUnrelatedIsns()
    {
        var clock = new ManualTimeProvider();
        var isn = new InitialSequenceNumber(clock, new SipHashKey(1, 2));
        var other = new InitialSequenceNumber(clock, new SipHashKey(1, 3));
        Assert.NotEqual(isn.Generate(A), isn.Generate(B));
        Assert.NotEqual(isn.Generate(A), other.Generate(A));
        Assert.Equal(unchecked((uint)A.GetKeyedHash(new SipHashKey(1, 2))), isn.Generate(A).Value);
    }

    [Fact]
    public void TableHashIsKeyedAndIndependentOfTheIsn()
    {
        var clock = new ManualTimeProvider();
        var isn = new InitialSequenceNumber(clock, new SipHashKey(1, 2));
        Assert.Equal(isn.Hash(A), isn.Hash(A));
        Assert.NotEqual(isn.Hash(A), isn.Hash(B));
        Assert.NotEqual((uint)isn.Hash(A), isn.Generate(A).Value);

        var table = new Dictionary<FourTuple, int>(isn.CreateComparer()) { [A] = 1, [B] = 2 };
        Assert.Equal(1, table[A with { }]);
        Assert.Equal(2, table[B]);
    }

    [Fact]
    public void FourTupleReverseAndFamiliesAreDistinct()
    {
        var key = new SipHashKey(5, 6);
        Assert.Equal(A, A.Reverse().Reverse());
        Assert.NotEqual(A.GetKeyedHash(key), A.Reverse().GetKeyedHash(key));
        // ::a09:1 and 10.9.0.1 share their 128-bit value but not their family.
        var v6 = A with { LocalAddress = new NetAddress(A.LocalAddress.Bits, true) };
        Assert.NotEqual(A, v6);
        Assert.NotEqual(A.GetKeyedHash(key), v6.GetKeyedHash(key));
    }
}
