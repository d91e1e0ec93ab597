using System.Threading.Tasks.Sources;

namespace Netstack.Transport.Tcp;

/// <summary>
/// A reusable awaitable for one direction of one connection (read, write or accept): the waiting
/// side arms it under the endpoint's lock after finding nothing to do, the protocol signals it after
/// releasing that lock, and the continuation runs on the thread pool, not on the signalling thread (unless
/// <see cref="InlineCompletions"/>). One waiter at a time; an overlapping wait throws. Allocation-free per wait: the waiter is
/// its own thread-pool work item (a continuation queued by <see cref="ManualResetValueTaskSourceCore{T}"/>
/// with RunContinuationsAsynchronously would allocate a work item per wake-up).
/// </summary>
/// <remarks>
/// Synchronous callers (<see cref="Sockets.TcpStream.Read(Span{byte})"/> and <c>Write</c>) block instead: between
/// <see cref="BeginBlocking"/> and <see cref="EndBlocking"/> an armed waiter is signalled by setting an event the
/// caller waits on in <see cref="WaitBlocking"/>, on its own thread; the thread pool plays no part, so a blocked
/// reader cannot starve the pool of the thread that would wake it.
/// </remarks>
internal sealed class TcpWaiter : IValueTaskSource, IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Armed = 1;
    private const int Completed = 2;

    private ManualResetValueTaskSourceCore<bool> _core; // continuations run inline in Execute, already on the pool
    private int _state;
    private CancellationTokenRegistration _registration;
    private CancellationToken _canceledBy;
    private volatile bool _blocking; // armed waits are signalled through _signalled, not the value task
    private ManualResetEventSlim? _signalled; // created by the first blocking wait

    /// <summary>
    /// Run an asynchronous waiter's continuation on the signalling thread (usually a link's dispatcher) rather than
    /// queueing it to the thread pool: one thread wake-up less per wait (<see cref="TcpEndpointOptions.InlineCompletions"/>).
    /// Cancellations still go through the pool.
    /// </summary>
    public bool InlineCompletions { get; set; }

    /// <summary>Arms the waiter; call under the endpoint lock, then await <see cref="WaitAsync"/>.</summary>
    public void Arm()
    {
        if (Interlocked.CompareExchange(ref _state, Armed, Idle) != Idle)
        {
            throw PendingError();
        }
        if (_blocking)
        {
            _signalled!.Reset();
        }
        else
        {
            _core.Reset();
        }
    }

    /// <summary>
    /// Makes the next arms blocking ones, waited for with <see cref="WaitBlocking"/>, until <see cref="EndBlocking"/>.
    /// Throws when an asynchronous wait of the same kind is pending.
    /// </summary>
    public void BeginBlocking()
    {
        if (Volatile.Read(ref _state) != Idle)
        {
            throw PendingError();
        }
        _signalled ??= new ManualResetEventSlim(false);
        _blocking = true;
    }

    /// <summary>Back to asynchronous waits (call once the blocking operation is over).</summary>
    public void EndBlocking() => _blocking = false;

    /// <summary>
    /// Blocks until the armed waiter is signalled (true) or <paramref name="millisecondsTimeout"/> passes (false; the
    /// waiter is disarmed). <see cref="Timeout.Infinite"/> waits for the signal. Either way the waiter is idle after.
    /// </summary>
    public bool WaitBlocking(int millisecondsTimeout)
    {
        ManualResetEventSlim signalled = _signalled!;
        if (!signalled.Wait(millisecondsTimeout))
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Armed) == Armed)
            {
                return false;
            }
            signalled.Wait(); // the signal raced the timeout: its Set follows its state change at once
        }
        Volatile.Write(ref _state, Idle);
        return true;
    }

    private static InvalidOperationException PendingError() =>
        new("Another operation of the same kind is already pending on this connection.");

    /// <summary>Waits for the armed waiter to be signalled (or for cancellation).</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (s, ct) => ((TcpWaiter)s!).Complete(ct), this);
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Wakes the waiter if armed; harmless otherwise.</summary>
    public void Signal() => Complete(default);

    private void Complete(CancellationToken canceled)
    {
        if (Interlocked.CompareExchange(ref _state, Completed, Armed) != Armed)
        {
            return;
        }
        if (_blocking)
        {
            _signalled!.Set(); // the blocked caller wakes on its own thread
            return;
        }
        _canceledBy = canceled;
        if (InlineCompletions && !canceled.IsCancellationRequested)
        {
            ((IThreadPoolWorkItem)this).Execute();
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_canceledBy.IsCancellationRequested)
        {
            _core.SetException(new OperationCanceledException(_canceledBy));
        }
        else
        {
            _core.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            _registration.Dispose();
            _registration = default;
            _canceledBy = default;
            Volatile.Write(ref _state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
