using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Link;

/// <summary>
/// <c>await using</c> for stacks and links: DisposeAsync does what Dispose does, but waits for dispatcher threads
/// and timer callbacks without blocking the caller; both stay idempotent and interchangeable.
/// </summary>
public class AsyncDisposalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30); // safety net only

    private static void Write(ChannelLink link, PacketPool pool)
    {
        PacketBuffer packet = pool.Rent(40);
        packet.Append(40).Fill(0x45);
        var batch = new PacketBatch();
        batch.Add(packet);
        link.WritePackets(batch);
    }

    [Fact]
    public async Task A_pair_disposed_asynchronously_waits_for_a_busy_dispatcher_without_blocking_and_releases_the_queue()
    {
        var pool = new PacketPool();
        ChannelLinkPair pair = ChannelLink.CreatePair();
        using var delivering = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var dispatcher = new RecordingDispatcher
        {
            ReleaseOnArrival = true,
            OnDeliver = (_, _) =>
            {
                delivering.Set();
                release.Wait();
            },
        };
        pair.B.Attach(dispatcher);
        Thread thread = pair.B.DispatcherThread!;
        Write(pair.A, pool);
        Assert.True(delivering.Wait(Patience)); // B's thread is inside the first delivery
        Write(pair.A, pool); // queued behind it

        ValueTask disposing = pair.DisposeAsync();
        Assert.False(disposing.IsCompleted); // returned to the caller while the dispatcher is still busy
        release.Set();
        await disposing.AsTask().WaitAsync(Patience);

        Assert.True(thread.Join(Patience));
        Assert.Equal(1, dispatcher.Count); // the queued packet was released, not delivered
        Assert.Equal(0, pool.Outstanding);
        pair.Dispose(); // idempotent after DisposeAsync
        await pair.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => pair.A.Attach(dispatcher));
    }

    [Fact]
    public void A_link_disposed_from_its_own_delivery_does_not_wait_for_itself()
    {
        var pool = new PacketPool();
        using ChannelLinkPair pair = ChannelLink.CreatePair();
        ValueTask disposal = default;
        using var done = new ManualResetEventSlim();
        var dispatcher = new RecordingDispatcher
        {
            ReleaseOnArrival = true,
            OnDeliver = (link, _) =>
            {
                disposal = link.DisposeAsync(); // on the link's own dispatcher thread
                done.Set();
            },
        };
        pair.B.Attach(dispatcher);
        Write(pair.A, pool);
        Assert.True(done.Wait(Patience));
        Assert.True(disposal.IsCompletedSuccessfully);
        Assert.True(pair.B.DispatcherThread!.Join(Patience));
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task A_link_without_its_own_DisposeAsync_gets_the_interface_default_which_disposes_it()
    {
        var link = new TestLink();
        await ((ILinkEndpoint)link).DisposeAsync();
        Assert.True(link.IsDisposed);
    }

    [Fact]
    public async Task Wrapping_links_dispose_their_inner_link_asynchronously()
    {
        var inner = new TestLink();
        await using (var sniffer = new PcapSniffer(inner, new MemoryStream()))
        {
            Assert.False(inner.IsDisposed);
        }
        Assert.True(inner.IsDisposed);

        inner = new TestLink();
        await using (var impaired = new ImpairedLink(inner, new ImpairmentOptions { Loss = 0.1, Seed = 1 }))
        {
            Assert.False(inner.IsDisposed);
        }
        Assert.True(inner.IsDisposed);
    }

    [Fact]
    public async Task A_stack_disposed_asynchronously_completes_only_after_its_running_timer_callback()
    {
        var stack = new NetStack();
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        stack.Timers.Schedule(new TimerEntry(_ =>
        {
            running.Set();
            release.Wait();
        }), TimeSpan.FromMilliseconds(1));
        Assert.True(running.Wait(Patience));

        ValueTask disposing = stack.DisposeAsync();
        Assert.False(disposing.IsCompleted); // the callback is still running
        release.Set();
        await disposing.AsTask().WaitAsync(Patience);

        Assert.Throws<ObjectDisposedException>(() => stack.AddInterface(new TestLink(), "10.9.0.2/24"));
        stack.Dispose(); // idempotent after DisposeAsync
        await stack.DisposeAsync();
    }
}
