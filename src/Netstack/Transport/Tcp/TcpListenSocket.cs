using Netstack.Stack;
using System.Net.Sockets;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// A passive open (RFC 9293 LISTEN): answers SYNs by creating child endpoints in SYN-RECEIVED and
/// queues them once established until the application accepts. The backlog bounds half-open plus
/// not-yet-accepted children; a SYN beyond it is dropped (Linux ListenOverflows/ListenDrops).
/// </summary>
public sealed class TcpListenSocket
{
    private readonly Lock _lock = new();
    private readonly Queue<TcpEndpoint> _acceptQueue = new();
    private readonly TcpProtocol _protocol;
    private int _halfOpen;
    private bool _closed;

    internal TcpListenSocket(TcpProtocol protocol, NetAddress local, ushort port, int backlog, TcpEndpointOptions options)
    {
        _protocol = protocol;
        LocalAddress = local;
        Port = port;
        Backlog = Math.Max(1, backlog);
        Options = options;
    }

    public NetAddress LocalAddress { get; }

    public ushort Port { get; }

    public int Backlog { get; }

    /// <summary>Options each accepted connection starts from.</summary>
    public TcpEndpointOptions Options { get; }

    public TcpWaiter AcceptWaiter { get; } = new();

    /// <summary>RFC 9293 §3.10.7.2: LISTEN state.</summary>
    internal void HandleSegment(in FourTuple id, in TcpSegment seg)
    {
        if ((seg.Flags & TcpFlags.Rst) != 0)
        {
            return;
        }
        if ((seg.Flags & TcpFlags.Ack) != 0)
        {
            // TODO(tcp): SYN-cookie validation here once tcpalg's SynCookies land.
            _protocol.SendResetForNoEndpoint(id, seg);
            return;
        }
        if ((seg.Flags & TcpFlags.Syn) == 0)
        {
            return;
        }
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            if (_halfOpen + _acceptQueue.Count >= Backlog)
            {
                TcpStatistics.Increment(ref _protocol.Statistics.ListenOverflows);
                TcpStatistics.Increment(ref _protocol.Statistics.ListenDrops);
                return;
            }
            _halfOpen++;
        }
        if (!_protocol.Host.TryFindRoute(id.RemoteAddress, out RouteInfo route))
        {
            Release();
            return;
        }
        TcpEndpoint child = _protocol.CreateEndpoint(Options);
        child.SetIdentity(id);
        if (!_protocol.TryRegister(child))
        {
            Release();
            return;
        }
        child.AcceptSyn(this, id, seg, route);

        void Release()
        {
            lock (_lock)
            {
                _halfOpen--;
            }
        }
    }

    /// <summary>A child finished the handshake (called under the child's lock). False when the listener closed.</summary>
    internal bool OnChildEstablished(TcpEndpoint child)
    {
        lock (_lock)
        {
            _halfOpen--;
            if (_closed)
            {
                return false;
            }
            _acceptQueue.Enqueue(child);
            return true;
        }
    }

    /// <summary>A half-open child died (called under the child's lock).</summary>
    internal void OnChildGone(TcpEndpoint child, bool wasHalfOpen)
    {
        _ = child;
        if (wasHalfOpen)
        {
            lock (_lock)
            {
                _halfOpen--;
            }
        }
    }

    /// <summary>Dequeues an established child; null with Success means "none yet" (waiter armed when asked).</summary>
    public TcpEndpoint? TryAccept(bool armWaiter, out SocketError error)
    {
        lock (_lock)
        {
            error = SocketError.Success;
            if (_acceptQueue.TryDequeue(out TcpEndpoint? child))
            {
                return child;
            }
            if (_closed)
            {
                error = SocketError.OperationAborted;
                return null;
            }
            if (armWaiter)
            {
                AcceptWaiter.Arm();
            }
            return null;
        }
    }

    /// <summary>Stops listening; children not yet accepted are reset.</summary>
    public void Close()
    {
        TcpEndpoint[] pending;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            pending = _acceptQueue.ToArray();
            _acceptQueue.Clear();
        }
        _protocol.RemoveListener(this);
        foreach (TcpEndpoint child in pending)
        {
            child.Abort();
        }
        AcceptWaiter.Signal();
    }
}
