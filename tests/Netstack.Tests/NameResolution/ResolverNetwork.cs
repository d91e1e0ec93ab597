using System.Net;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.NameResolution;

/// <summary>
/// Client stack A (10.9.0.1, fd00:9::1) and server stack B (10.9.0.2, fd00:9::2) on a threaded in-memory link, with
/// a manual clock: DNS timeouts fire only when a test advances it, so no test waits for or measures real time.
/// </summary>
internal sealed class ResolverNetwork : IAsyncDisposable
{
    public static readonly IPAddress B4 = IPAddress.Parse("10.9.0.2");
    public static readonly IPAddress B6 = IPAddress.Parse("fd00:9::2");

    private readonly ChannelLinkPair _link;
    private readonly List<IAsyncDisposable> _owned = [];

    public ResolverNetwork()
    {
        Clock = new ManualTimeProvider();
        _link = ChannelLink.CreatePair();
        A = new NetStack(new NetStackOptions { TimeProvider = Clock, RandomSeed = 1 });
        B = new NetStack(new NetStackOptions { TimeProvider = Clock, RandomSeed = 2 });
        A.AddInterface(_link.A, "10.9.0.1/24", "fd00:9::1/64");
        B.AddInterface(_link.B, "10.9.0.2/24", "fd00:9::2/64");
    }

    public ManualTimeProvider Clock { get; }

    public NetStack A { get; }

    public NetStack B { get; }

    /// <summary>A safety net against a hang (never a measurement).</summary>
    public CancellationToken Patience { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>A DNS server on B at <paramref name="address"/> and <paramref name="port"/>, stopped with the network.</summary>
    public TestDnsServer Server(IPAddress address, int port = 53)
    {
        var server = new TestDnsServer(B, new IPEndPoint(address, port));
        _owned.Add(server);
        return server;
    }

    /// <summary>Advances the clock by <paramref name="step"/> until <paramref name="task"/> completes (yielding to the link's threads between steps).</summary>
    public async Task<T> AdvanceUntil<T>(Task<T> task, TimeSpan step)
    {
        while (!task.IsCompleted)
        {
            Patience.ThrowIfCancellationRequested();
            await Task.WhenAny(task, Task.Delay(5, Patience));
            if (!task.IsCompleted)
            {
                Clock.Advance(step);
            }
        }
        return await task;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IAsyncDisposable owned in _owned)
        {
            await owned.DisposeAsync();
        }
        await _link.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
