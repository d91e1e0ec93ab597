using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

public class PortManagerTests
{
    private static PortManager Create(int seed)
    {
        var secret = new byte[32];
        new Random(seed).NextBytes(secret);
        return new PortManager(secret);
    }

    [Fact]
    public void Ephemeral_ports_are_distinct_and_in_the_linux_range()
    {
        PortManager ports = Create(1);
        NetAddress local = NetAddress.Parse("10.9.0.1");
        NetAddress remote = NetAddress.Parse("10.9.0.2");
        var seen = new HashSet<ushort>();
        for (int i = 0; i < 5000; i++)
        {
            ushort p = ports.ReserveEphemeral(6, local, remote, 80);
            Assert.InRange(p, PortManager.EphemeralFirst, PortManager.EphemeralLast);
            Assert.True(seen.Add(p));
        }
    }

    [Fact]
    public void Ports_are_not_sequential_and_differ_between_secrets()
    {
        NetAddress local = NetAddress.Parse("10.9.0.1");
        ushort a = Create(1).ReserveEphemeral(17, local, NetAddress.Parse("10.9.0.2"), 53);
        ushort b = Create(2).ReserveEphemeral(17, local, NetAddress.Parse("10.9.0.2"), 53);
        Assert.NotEqual(a, b);
        PortManager one = Create(3);
        ushort x = one.ReserveEphemeral(17, local, NetAddress.Parse("10.9.0.2"), 53);
        ushort y = one.ReserveEphemeral(17, local, NetAddress.Parse("10.9.0.3"), 53);
        Assert.NotEqual(x + 1, y);
    }

    [Fact]
    public void Exhaustion_returns_zero_and_release_frees()
    {
        PortManager ports = Create(4);
        NetAddress local = NetAddress.Parse("10.9.0.1");
        int count = PortManager.EphemeralLast - PortManager.EphemeralFirst + 1;
        ushort last = 0;
        for (int i = 0; i < count; i++)
        {
            last = ports.ReserveEphemeral(17, local, default, 0);
            Assert.NotEqual(0, last);
        }
        Assert.Equal(0, ports.ReserveEphemeral(17, local, default, 0));
        ports.Release(17, local, last);
        Assert.Equal(last, ports.ReserveEphemeral(17, local, default, 0));
    }

    [Fact]
    public void Wildcard_conflicts_with_specific_addresses()
    {
        PortManager ports = Create(5);
        NetAddress a = NetAddress.Parse("10.9.0.1");
        NetAddress b = NetAddress.Parse("10.9.0.2");
        Assert.True(ports.TryReserve(17, a, 5000));
        Assert.False(ports.TryReserve(17, a, 5000));
        Assert.True(ports.TryReserve(17, b, 5000));
        Assert.False(ports.TryReserve(17, NetAddress.AnyV4, 5000));
        Assert.True(ports.TryReserve(6, NetAddress.AnyV4, 5000)); // other protocol
        Assert.True(ports.TryReserve(17, NetAddress.AnyV6, 5000)); // other family
        Assert.False(ports.TryReserve(6, a, 5000));
        ports.Release(17, a, 5000);
        ports.Release(17, b, 5000);
        Assert.True(ports.TryReserve(17, NetAddress.AnyV4, 5000));
    }
}
