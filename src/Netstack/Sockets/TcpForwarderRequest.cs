using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>
/// A connection attempt a forwarder holds: the peer's SYN to <see cref="LocalEndPoint"/>, not yet answered. Exactly
/// one of <see cref="AcceptAsync"/>, <see cref="Refuse"/>, <see cref="Unreachable"/> or <see cref="Ignore"/> answers
/// it; later calls do nothing (<see cref="AcceptAsync"/> throws). Until then the peer's retransmitted SYNs are absorbed.
/// </summary>
public sealed class TcpForwarderRequest : IThreadPoolWorkItem
{
    private readonly TcpForwarder _forwarder;
    private readonly int _networkHeaderLength;
    private PacketBuffer? _syn;

    internal TcpForwarderRequest(TcpForwarder forwarder, FourTuple id, PacketBuffer syn, int networkHeaderLength)
    {
        _forwarder = forwarder;
        Id = id;
        _syn = syn;
        _networkHeaderLength = networkHeaderLength;
        LocalEndPoint = new IPEndPoint(id.LocalAddress.ToIPAddress(), id.LocalPort);
        RemoteEndPoint = new IPEndPoint(id.RemoteAddress.ToIPAddress(), id.RemotePort);
    }

    internal FourTuple Id { get; }

    /// <summary>The address and port the peer asked for (the connection's local end once accepted).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The peer's address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>
    /// Answers SYN-ACK and completes when the handshake does. Throws <see cref="SocketException"/> when the peer resets
    /// or stops answering (TimedOut), or when the four-tuple is already in use; cancellation aborts the connection.
    /// </summary>
    public async ValueTask<TcpConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        // The request stays pending until the endpoint is registered: a SYN retransmitted in between must be
        // absorbed, not offered as a new request (whose handler would dial the destination a second time).
        PacketBuffer syn = Interlocked.Exchange(ref _syn, null) ?? throw new InvalidOperationException("The request was already answered.");
        TcpEndpoint endpoint;
        try
        {
            TcpProtocol tcp = _forwarder.Protocol;
            _ = TcpSegment.TryParse(syn.Span, out TcpSegment seg); // parsed when it arrived; the bytes are unchanged
            if (!tcp.Host.TryFindRoute(Id.RemoteAddress, out RouteInfo route))
            {
                throw new SocketException((int)SocketError.NetworkUnreachable);
            }
            endpoint = tcp.CreateEndpoint(_forwarder.EndpointOptions);
            endpoint.SetIdentity(Id);
            if (!tcp.TryRegister(endpoint))
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
            endpoint.AcceptSyn(null, Id, seg, route, TransmitContext.Immediate);
        }
        finally
        {
            _forwarder.Remove(this);
            syn.Release();
        }
        await TcpSocketExtensions.WaitUntilEstablishedAsync(endpoint, null, _forwarder.Stack.TimeProvider, cancellationToken).ConfigureAwait(false);
        return new TcpConnection(endpoint);
    }

    /// <summary>Answers RST: the peer's connect fails with "connection refused" at once (RFC 9293 §3.10.7.1).</summary>
    public void Refuse()
    {
        if (Take() is not PacketBuffer syn)
        {
            return;
        }
        try
        {
            _ = TcpSegment.TryParse(syn.Span, out TcpSegment seg);
            _forwarder.Protocol.SendResetForNoEndpoint(Id, seg, TransmitContext.Immediate);
        }
        finally
        {
            syn.Release();
        }
    }

    /// <summary>
    /// Answers ICMP destination unreachable quoting the SYN: the peer's connect fails with "no route to host" or
    /// "network unreachable". When the IP header is not known (a SYN injected without one) it refuses instead.
    /// </summary>
    public void Unreachable(TcpForwarderUnreachable reason = TcpForwarderUnreachable.Host)
    {
        if (_networkHeaderLength == 0)
        {
            Refuse();
            return;
        }
        if (Take() is not PacketBuffer syn)
        {
            return;
        }
        try
        {
            syn.Prepend(_networkHeaderLength);
            _forwarder.Stack.SendDestinationUnreachable(syn.Span, Id.RemoteAddress.IsV6, reason);
        }
        finally
        {
            syn.Release();
        }
    }

    /// <summary>Drops the SYN without an answer; the peer retransmits, and its next SYN is a new request.</summary>
    public void Ignore() => Take()?.Release();

    void IThreadPoolWorkItem.Execute() => _forwarder.Run(this);

    private PacketBuffer? Take()
    {
        PacketBuffer? syn = Interlocked.Exchange(ref _syn, null);
        if (syn is not null)
        {
            _forwarder.Remove(this);
        }
        return syn;
    }

    /// <summary>"TCP REMOTE -> LOCAL" (the connecting peer first).</summary>
    public override string ToString() => $"TCP {RemoteEndPoint} -> {LocalEndPoint}";
}
