using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

/// <summary>Two stacks joined by a <see cref="QueueLink"/> pair, a shared pool and a manual clock; disposing checks for leaked buffers.</summary>
internal sealed class TwoStacks : IDisposable
{
    public static readonly NetAddress A4 = NetAddress.Parse("10.9.0.1");
    public static readonly NetAddress B4 = NetAddress.Parse("10.9.0.2");
    public static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    public static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    public TwoStacks(int mtu = 1500, int seed = 1)
    {
        Clock = new ManualTimeProvider();
        Pool = new PacketPool();
        (LinkA, LinkB) = QueueLink.CreatePair(mtu);
        A = new NetStack(new NetStackOptions { TimeProvider = Clock, Pool = Pool, RandomSeed = seed });
        B = new NetStack(new NetStackOptions { TimeProvider = Clock, Pool = Pool, RandomSeed = seed + 1 });
        A.AddInterface(LinkA, "10.9.0.1/24", "fd00:9::1/64");
        B.AddInterface(LinkB, "10.9.0.2/24", "fd00:9::2/64");
    }

    public ManualTimeProvider Clock { get; }

    public PacketPool Pool { get; }

    public QueueLink LinkA { get; }

    public QueueLink LinkB { get; }

    public NetStack A { get; }

    public NetStack B { get; }

    public void Pump() => QueueLink.PumpUntilIdle(LinkA, LinkB);

    public void Dispose()
    {
        LinkA.Dispose();
        LinkB.Dispose();
        A.Dispose();
        B.Dispose();
        Assert.Equal(0, Pool.Outstanding);
    }
}
