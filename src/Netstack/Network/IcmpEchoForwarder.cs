using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// Hands echo requests to addresses that are not the stack's own to a handler on the thread pool (user-mode
/// networking carries them through the host's ping sockets); the handler answers through
/// <see cref="IcmpEchoRequest.Reply(ReadOnlySpan{byte})"/>. At most <see cref="MaxPending"/> wait at once; the
/// excess is dropped and counted, as a router drops under load.
/// </summary>
internal sealed class IcmpEchoForwarder(NetStack stack, Action<IcmpEchoRequest> handler)
{
    public const int MaxPending = 1024;

    private int _pending;
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Offer(NetAddress source, NetAddress destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        if (Interlocked.Increment(ref _pending) > MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _dropped);
            return;
        }
        var request = new IcmpEchoRequest(stack, source, destination, identifier, sequence, data.ToArray());
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Forwarder.Run(s.Request), (Forwarder: this, Request: request), preferLocal: false);
    }

    private void Run(IcmpEchoRequest request)
    {
        try
        {
            handler(request);
        }
#pragma warning disable CA1031 // A failing handler loses one echo, as a lost packet would; it must not kill the pool thread.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _dropped);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }
}
