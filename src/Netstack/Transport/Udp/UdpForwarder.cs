using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Udp;

/// <summary>
/// Turns the first datagram of a flow nobody listens for into a <see cref="UdpSocket"/> bound to the flow's
/// destination and connected to its source, so the rest of the flow finds it in the demultiplexing table and replies
/// leave from the address the peer wrote to. The socket is handed to the handler on the thread pool; the datagram that
/// opened it is already queued in it. At most <see cref="UdpForwarderOptions.MaxFlows"/> are open at once.
/// </summary>
internal sealed class UdpForwarder(NetStack stack, Action<UdpSocket> handler, UdpForwarderOptions options)
{
    private int _flows;
    private long _refused;
    private int _limitReported;
    private volatile bool _closed;

    /// <summary>Flows open now (sockets handed out and not yet disposed).</summary>
    public int FlowCount => Volatile.Read(ref _flows);

    /// <summary>Datagrams that found the flow table full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Opens the flow's socket on the dispatcher; null when the table is full or the forwarder closed.</summary>
    public UdpSocket? TryOpenFlow(NetAddress destination, ushort destinationPort, NetAddress source, ushort sourcePort)
    {
        if (_closed)
        {
            return null;
        }
        if (Interlocked.Increment(ref _flows) > options.MaxFlows)
        {
            Interlocked.Decrement(ref _flows);
            Interlocked.Increment(ref _refused);
            if (Interlocked.Exchange(ref _limitReported, 1) == 0 && options.LimitReached is { } report)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static r => r(), report, preferLocal: false);
            }
            return null;
        }
        var socket = new UdpSocket(stack, destination.IsV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)
        {
            ReceiveBufferSize = options.ReceiveBufferSize,
            CompletesInline = options.CompletesInline,
        };
        socket.BindForwarded(destination, destinationPort, source, sourcePort, () => Interlocked.Decrement(ref _flows));
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Handler(s.Socket), (Handler: handler, Socket: socket), preferLocal: false);
        return socket;
    }

    public void Close() => _closed = true;
}
