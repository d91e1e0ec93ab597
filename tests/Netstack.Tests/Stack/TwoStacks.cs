using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

/// <summary>
/// Two stacks A (10.9.0.1, fd00:9::1) and B (10.9.0.2, fd00:9::2) joined by a Manual-pump link pair with a
/// shared pool and a manual clock, everything on the test thread. By default the link is a
/// <see cref="ChannelLink"/>; with <c>tap: true</c> it is a <see cref="QueueLink"/> whose filters can inspect or
/// rewrite packets in flight. Disposing checks that no buffer leaked.
/// </summary>
internal sealed class TwoStacks : IDisposable
{
    public static readonly NetAddress A4 = NetAddress.Parse("10.9.0.1");
    public static readonly NetAddress B4 = NetAddress.Parse("10.9.0.2");
    public static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    public static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    private readonly ILinkEndpoint _linkA;
    private readonly ILinkEndpoint _linkB;
    private readonly Action _pump;
    private readonly ILinkEndpoint? _wrappedA;

    public TwoStacks(int mtu = 1500, int seed = 1, bool tap = false, Func<ILinkEndpoint, ILinkEndpoint>? wrapA = null, bool enableTcp = true, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        Clock = new ManualTimeProvider();
        Pool = new PacketPool();
        if (tap)
        {
            (QueueLink a, QueueLink b) = QueueLink.CreatePair(mtu);
            (TapA, TapB) = (a, b);
            (_linkA, _linkB) = (a, b);
            _pump = () => QueueLink.PumpUntilIdle(a, b);
        }
        else
        {
            ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { Mtu = mtu, DispatchMode = ChannelDispatchMode.Manual });
            (_linkA, _linkB) = (pair.A, pair.B);
            _pump = () => pair.PumpUntilIdle();
        }
        A = new NetStack(new NetStackOptions { TimeProvider = Clock, Pool = Pool, RandomSeed = seed, EnableTcp = enableTcp, LoggerFactory = loggerFactory });
        B = new NetStack(new NetStackOptions { TimeProvider = Clock, Pool = Pool, RandomSeed = seed + 1, EnableTcp = enableTcp, LoggerFactory = loggerFactory });
        _wrappedA = wrapA?.Invoke(_linkA);
        A.AddInterface(_wrappedA ?? _linkA, "10.9.0.1/24", "fd00:9::1/64");
        B.AddInterface(_linkB, "10.9.0.2/24", "fd00:9::2/64");
    }

    public ManualTimeProvider Clock { get; }

    public PacketPool Pool { get; }

    /// <summary>A's end when <c>tap</c> was set (what A writes passes its <see cref="QueueLink.Filter"/>).</summary>
    public QueueLink? TapA { get; }

    /// <summary>B's end when <c>tap</c> was set.</summary>
    public QueueLink? TapB { get; }

    public NetStack A { get; }

    public NetStack B { get; }

    public void Pump() => _pump();

    public void Dispose()
    {
        _wrappedA?.Dispose();
        _linkA.Dispose();
        _linkB.Dispose();
        A.Dispose();
        B.Dispose();
        Assert.Equal(0, Pool.Outstanding);
    }
}
