namespace Netstack.Link;

/// <summary>
/// A link's dispatcher thread that can be waited for both ways: <see cref="Join"/> blocks (Dispose),
/// <see cref="WhenExitedAsync"/> does not (DisposeAsync). Neither waits when called on the thread itself (a link
/// disposed from its own delivery) or when the thread never started.
/// </summary>
internal sealed class DispatcherThread
{
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DispatcherThread(string name, Action body)
    {
        Thread = new Thread(() =>
        {
            try
            {
                body();
            }
            finally
            {
                _exited.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
    }

    public Thread Thread { get; }

    public void Start() => Thread.Start();

    private bool NothingToWaitFor =>
        Thread == Thread.CurrentThread || Thread.ThreadState.HasFlag(ThreadState.Unstarted);

    /// <summary>Blocks until the thread has returned.</summary>
    public void Join()
    {
        if (!NothingToWaitFor)
        {
            Thread.Join();
        }
    }

    /// <summary>Completes once the thread has returned (continuations run on the thread pool, not on the exiting thread).</summary>
    public Task WhenExitedAsync() => NothingToWaitFor ? Task.CompletedTask : _exited.Task;
}
