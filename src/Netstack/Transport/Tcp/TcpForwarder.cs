using Netstack.Buffers;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Transport.Tcp;

/// <summary>
/// gVisor's <c>tcp.Forwarder</c>, asynchronous: a SYN to an address and port nobody listens on becomes a
/// <see cref="TcpForwarderRequest"/>. The SYN is held, unanswered, while the handler decides — typically after
/// dialling the real destination — so the peer sees SYN-ACK only when the far side has accepted (Tailscale's order),
/// RST when it refused, and ICMP unreachable when it cannot be reached.
/// </summary>
/// <remarks>
/// Requests run on the thread pool, never on the dispatcher. A retransmitted SYN of a pending request is absorbed;
/// beyond <see cref="TcpForwarderOptions.MaxPendingRequests"/> new SYNs are dropped and counted (ListenOverflows,
/// ListenDrops: the peer retries as it would against a full listen queue).
/// </remarks>
internal sealed class TcpForwarder
{
    private readonly Lock _lock = new();
    private readonly Dictionary<FourTuple, TcpForwarderRequest> _pending = [];
    private readonly Action<TcpForwarderRequest> _handler;
    private bool _closed;
    private int _limitReported;

    public TcpForwarder(NetStack stack, TcpProtocol protocol, Action<TcpForwarderRequest> handler, TcpForwarderOptions options)
    {
        Stack = stack;
        Protocol = protocol;
        _handler = handler;
        Options = options;
        EndpointOptions = (options.EndpointOptions ?? protocol.DefaultOptions).Clone();
    }

    public NetStack Stack { get; }

    public TcpProtocol Protocol { get; }

    public TcpForwarderOptions Options { get; }

    public TcpEndpointOptions EndpointOptions { get; }

    /// <summary>Requests offered and not yet answered.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Takes a SYN (positioned at its TCP header) nobody listens for; false when the forwarder is closed. Never keeps the caller's reference.</summary>
    public bool Offer(in FourTuple id, PacketBuffer syn, int networkHeaderLength)
    {
        TcpForwarderRequest request;
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }
            if (_pending.ContainsKey(id))
            {
                return true; // a retransmission of a SYN the handler is still deciding on
            }
            if (Protocol.IsRegistered(id))
            {
                return true; // accepted after this SYN missed the connection table: the next one finds the endpoint
            }
            if (_pending.Count >= Options.MaxPendingRequests)
            {
                TcpStatistics.Increment(ref Protocol.Statistics.ListenOverflows);
                TcpStatistics.Increment(ref Protocol.Statistics.ListenDrops);
                if (Interlocked.Exchange(ref _limitReported, 1) == 0 && Options.LimitReached is { } report)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static r => r(), report, preferLocal: false);
                }
                return true;
            }
            request = new TcpForwarderRequest(this, id, syn.AddReference(), networkHeaderLength);
            _pending.Add(id, request);
        }
        ThreadPool.UnsafeQueueUserWorkItem(request, preferLocal: false);
        return true;
    }

    /// <summary>Runs the handler for a request (on the thread pool); a handler that throws refuses the connection.</summary>
    public void Run(TcpForwarderRequest request)
    {
        try
        {
            _handler(request);
        }
#pragma warning disable CA1031 // User code must not leave the peer's SYN hanging: refuse instead.
        catch (Exception)
#pragma warning restore CA1031
        {
            request.Refuse();
        }
    }

    /// <summary>Forgets an answered request, so a new SYN of the same four-tuple is a new request.</summary>
    public void Remove(TcpForwarderRequest request)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(request.Id, out TcpForwarderRequest? current) && current == request)
            {
                _pending.Remove(request.Id);
            }
        }
    }

    /// <summary>Stops offering; requests still pending are ignored (their SYNs dropped).</summary>
    public void Close()
    {
        TcpForwarderRequest[] pending;
        lock (_lock)
        {
            _closed = true;
            pending = [.. _pending.Values];
        }
        foreach (TcpForwarderRequest request in pending)
        {
            request.Ignore();
        }
    }
}
