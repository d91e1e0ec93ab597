using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Netstack.Forwarding;

/// <summary>
/// Sends a list of buffers with one <c>sendmsg</c> (an iovec per buffer), reusing one
/// <see cref="SocketAsyncEventArgs"/>, so a relay hands the stack's received packet buffers to a host socket
/// without copying them first and without allocating per send.
/// </summary>
internal sealed class SocketGatherSender : SocketAsyncEventArgs, IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _source = new() { RunContinuationsAsynchronously = true };

    public SocketGatherSender()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    /// <summary>Sends every byte of <paramref name="buffers"/> (the runtime loops over partial writes); throws <see cref="SocketException"/>.</summary>
    public ValueTask<int> SendAsync(Socket socket, List<ArraySegment<byte>> buffers)
    {
        _source.Reset();
        BufferList = buffers;
        if (!socket.SendAsync(this))
        {
            Complete();
        }
        return new ValueTask<int>(this, _source.Version);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => Complete();

    private void Complete()
    {
        // BufferList stays as it is: this can run inside OnCompleted, while the args still count as in use, where
        // touching it throws (and the awaiting relay would never resume). The next send replaces it.
        if (SocketError == SocketError.Success)
        {
            _source.SetResult(BytesTransferred);
        }
        else
        {
            _source.SetException(new SocketException((int)SocketError));
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
