using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// TcpEndpointOptions.InlineCompletions: an awaited read or write continues on the thread that signalled it (the link's
/// dispatcher) instead of waiting for a thread-pool thread to wake; cancellations still go through the pool.
/// </summary>
public sealed class TcpWaiterInlineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30); // a safety net: an inline run would wait it out and fail

    [Fact]
    public async Task With_inline_completions_the_continuation_runs_inside_the_signal()
    {
        var waiter = new TcpWaiter { InlineCompletions = true };
        int signaller = -1;
        int continuedOn = 0;
        waiter.Arm();
        Task waiting = Continue(waiter, () => continuedOn = Environment.CurrentManagedThreadId);

        var thread = new Thread(() =>
        {
            signaller = Environment.CurrentManagedThreadId;
            waiter.Signal();
            Assert.Equal(signaller, continuedOn); // done before Signal returned, on this thread
        });
        thread.Start();
        thread.Join();
        await waiting;
        Assert.Equal(signaller, continuedOn);
    }

    [Fact]
    public async Task Without_it_the_continuation_goes_to_the_thread_pool()
    {
        var waiter = new TcpWaiter();
        using var release = new ManualResetEventSlim();
        int signaller = -1;
        int continuedOn = 0;
        waiter.Arm();
        Task waiting = Continue(waiter, () =>
        {
            Assert.True(release.Wait(Patience)); // holds the continuation until the signalling thread has gone on
            continuedOn = Environment.CurrentManagedThreadId;
        });

        var thread = new Thread(() =>
        {
            signaller = Environment.CurrentManagedThreadId;
            waiter.Signal();
            release.Set(); // a continuation running inside Signal would have deadlocked above
        });
        thread.Start();
        thread.Join();
        await waiting;
        Assert.NotEqual(signaller, continuedOn);
        Assert.NotEqual(0, continuedOn);
    }

    [Fact]
    public async Task A_cancellation_is_not_run_inline()
    {
        var waiter = new TcpWaiter { InlineCompletions = true };
        using var cts = new CancellationTokenSource();
        using var cancelReturned = new ManualResetEventSlim();
        waiter.Arm();
        bool ranAfterCancelReturned = false;
        Task waiting = Observe(waiter.WaitAsync(cts.Token), () => ranAfterCancelReturned = cancelReturned.Wait(Patience));

        var thread = new Thread(() =>
        {
            cts.Cancel(); // a continuation run inside would wait here for the event below, in vain
            cancelReturned.Set();
        });
        thread.Start();
        thread.Join();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.True(ranAfterCancelReturned);

        static async Task Observe(ValueTask wait, Action after)
        {
            try
            {
                await wait.ConfigureAwait(false);
            }
            finally
            {
                after();
            }
        }
    }

    [Fact]
    public void The_option_reaches_both_waiters_of_an_endpoint()
    {
        using var pair = new TcpPair();
        (TcpEndpoint client, TcpEndpoint server, _) = pair.Connect(serverOptions: new TcpEndpointOptions { InlineCompletions = true });
        Assert.True(server.ReadWaiter.InlineCompletions);
        Assert.True(server.WriteWaiter.InlineCompletions);
        Assert.False(client.ReadWaiter.InlineCompletions);
    }

    private static async Task Continue(TcpWaiter waiter, Action then)
    {
        await waiter.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        then();
    }
}
