using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Transport.Udp;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>
/// A UDP socket on a <see cref="NetStack"/>, shaped like <see cref="Socket"/>'s datagram API: bind (port 0 picks
/// an RFC 6056 ephemeral port), optionally connect, send, and receive with the sender's endpoint.
/// </summary>
/// <remarks>
/// Received datagrams wait in a per-socket queue as the packet buffers themselves (no copy until the
/// application reads), up to <see cref="ReceiveBufferSize"/> bytes of buffer (each datagram charged its whole
/// pooled block, as Linux charges truesize); beyond that they are dropped and counted
/// (<c>Udp.RcvbufErrors</c>). A datagram longer than the receive buffer is truncated, as <c>recvfrom</c> does.
/// One receive may be outstanding at a time (a reusable <see cref="IValueTaskSource{T}"/>, no allocation per
/// wait); its continuation never runs on the stack's dispatcher thread. A connected socket that receives an
/// ICMP port unreachable fails its next operation with <see cref="SocketError.ConnectionRefused"/>, as Linux does.
/// </remarks>
public sealed partial class UdpSocket : IAsyncDisposable, IDisposable, IValueTaskSource<UdpReceiveFromResult>
{
    private readonly UdpProtocol _udp;
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<UdpReceiveFromResult> _source = new() { RunContinuationsAsynchronously = true };
    private QueuedDatagram[] _queue = new QueuedDatagram[16];
    private int _head;
    private int _count;
    private int _queuedBytes;
    private bool _receivePending;
    private Memory<byte> _pendingBuffer;
    private SocketAddress? _pendingAddress;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _pendingToken;
    private UdpDemuxKey _key;
    private bool _registered;
    private bool _reservedPort;
    private SocketError _pendingError;
    private bool _disposed;

    /// <summary>A queued datagram, or with <see cref="SegmentSize"/> several of one sender back to back (GRO); <see cref="Closed"/> once a shorter one ended the run.</summary>
    private struct QueuedDatagram(PacketBuffer packet, NetAddress address, ushort port, int segmentSize)
    {
        public PacketBuffer Packet = packet;
        public NetAddress Address = address;
        public ushort Port = port;
        public int SegmentSize = segmentSize;
        public bool Closed;
    }

    /// <summary>The most bytes one coalesced entry holds (what fits one IPv6 UDP datagram's length field, as Linux's GRO limit).</summary>
    private const int MaxCoalescedBytes = 65535 - 8;

    /// <summary>The most datagrams one coalesced entry holds (Linux UDP_GRO_CNT_MAX).</summary>
    private const int MaxCoalescedSegments = 64;

    /// <summary>Creates an unbound socket for <paramref name="family"/> (InterNetwork or InterNetworkV6).</summary>
    public UdpSocket(NetStack stack, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentOutOfRangeException(nameof(family));
        }
        Stack = stack;
        AddressFamily = family;
        _udp = stack.Udp;
    }

    /// <summary>The stack the socket belongs to.</summary>
    public NetStack Stack { get; }

    /// <summary>InterNetwork or InterNetworkV6, fixed at creation.</summary>
    public AddressFamily AddressFamily { get; }

    private bool IsV6 => AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>Buffer bytes of received datagrams the socket queues before dropping, each charged its pooled block (Linux <c>rmem_default</c> is 208 KiB).</summary>
    public int ReceiveBufferSize { get; set; } = 256 * 1024;

    /// <summary>The bound local endpoint, or null before <see cref="Bind"/>, <see cref="Connect"/> or the first send.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The connected remote endpoint, or null.</summary>
    public IPEndPoint? RemoteEndPoint { get; private set; }

    /// <summary>Datagrams waiting to be received.</summary>
    public int Available
    {
        get { lock (_lock) { return _count; } }
    }

    /// <summary>Binds to <paramref name="localEndPoint"/> (Any = every address of the family; port 0 = ephemeral).</summary>
    /// <exception cref="SocketException">AddressAlreadyInUse, AddressNotAvailable, or InvalidArgument when already bound.</exception>
    public void Bind(IPEndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        NetAddress local = ToAddress(localEndPoint.Address);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_registered)
            {
                throw new SocketException((int)SocketError.InvalidArgument);
            }
            BindLocked(local, (ushort)localEndPoint.Port, default, 0);
        }
    }

    /// <summary>Sets the default destination and receives only from it; binds first if needed (source from the route).</summary>
    public void Connect(IPEndPoint remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        NetAddress remote = ToAddress(remoteEndPoint.Address);
        ushort remotePort = (ushort)remoteEndPoint.Port;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_registered)
            {
                if (!Stack.TryFindRoute(remote, out RouteInfo route))
                {
                    throw new SocketException((int)SocketError.NetworkUnreachable);
                }
                BindLocked(route.LocalAddress, 0, remote, remotePort);
            }
            else
            {
                UdpDemuxKey connected = _key with { RemoteAddress = remote, RemotePort = remotePort };
                _udp.Register(connected, this);
                _udp.Unregister(_key, this);
                _key = connected;
            }
            _pendingError = SocketError.Success;
            RemoteEndPoint = new IPEndPoint(remote.ToIPAddress(), remotePort);
        }
    }

    /// <summary>
    /// Binds and connects a forwarded flow in one step: <paramref name="local"/> need not be ours and its port is not
    /// reserved, because the four-tuple alone names the flow (many namespace sockets may talk to one destination).
    /// </summary>
    internal void BindForwarded(NetAddress local, ushort port, NetAddress remote, ushort remotePort, Action? disposed)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_registered)
            {
                throw new SocketException((int)SocketError.InvalidArgument);
            }
            var key = new UdpDemuxKey(local, port, remote, remotePort);
            _udp.Register(key, this);
            _key = key;
            _registered = true;
            _disposedCallback = disposed;
            LocalEndPoint = new IPEndPoint(local.ToIPAddress(), port);
            RemoteEndPoint = new IPEndPoint(remote.ToIPAddress(), remotePort);
        }
    }

    private Action? _disposedCallback;

    private void BindLocked(NetAddress local, ushort port, NetAddress remote, ushort remotePort)
    {
        if (!local.IsUnspecified && !Stack.IsLocalAddress(local))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable);
        }
        if (port == 0)
        {
            port = Stack.Ports.ReserveEphemeral(IpProtocol.Udp, local, remote, remotePort);
            if (port == 0)
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }
        else if (!Stack.Ports.TryReserve(IpProtocol.Udp, local, port))
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        _reservedPort = true;
        var key = new UdpDemuxKey(local, port, remote.IsUnspecified ? new NetAddress(UInt128.Zero, IsV6) : remote, remotePort);
        try
        {
            _udp.Register(key, this);
        }
        catch
        {
            Stack.Ports.Release(IpProtocol.Udp, local, port);
            _reservedPort = false;
            throw;
        }
        _key = key;
        _registered = true;
        LocalEndPoint = new IPEndPoint(local.ToIPAddress(), port);
    }

    /// <summary>
    /// When above 0, a send longer than this many bytes goes out as datagrams of this size, the last one shorter
    /// (Linux's UDP_SEGMENT socket option): one super-datagram through the stack, split by the link (USO) or by the
    /// stack right before it. Each datagram must fit the route's MTU and there may be at most
    /// <see cref="Transport.Udp.UdpProtocol.MaxSegments"/>; otherwise the send fails with InvalidArgument. 0 (the
    /// default) sends every buffer as one datagram.
    /// </summary>
    public int SendSegmentSize
    {
        get => _sendSegmentSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, ushort.MaxValue);
            _sendSegmentSize = value;
        }
    }

    private int _sendSegmentSize;

    /// <summary>
    /// When true, datagrams of one sender that wait in the queue back to back with the same size are coalesced (GRO,
    /// Linux's UDP_GRO socket option), and super-datagrams from the link (USO) are kept whole: one receive then returns
    /// several datagrams, and <see cref="UdpReceiveFromResult.SegmentSize"/> says how to cut them. A receive never cuts
    /// a datagram of such a run: it takes as many whole datagrams as the buffer holds and leaves the rest queued.
    /// </summary>
    public bool ReceiveCoalesced { get; set; }

    /// <summary>Sends one datagram to <paramref name="remoteEndPoint"/> (several with <see cref="SendSegmentSize"/>); completes synchronously (UDP never waits for the peer).</summary>
    public ValueTask<int> SendToAsync(ReadOnlyMemory<byte> buffer, IPEndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        SocketError error = SendTo(buffer.Span, ToAddress(remoteEndPoint.Address), (ushort)remoteEndPoint.Port);
        return error == SocketError.Success ? ValueTask.FromResult(buffer.Length) : ValueTask.FromException<int>(new SocketException((int)error));
    }

    /// <summary>Sends one datagram to the connected remote.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        IPEndPoint remote = RemoteEndPoint ?? throw new SocketException((int)SocketError.NotConnected);
        return SendToAsync(buffer, remote, cancellationToken);
    }

    /// <summary>The synchronous send path (allocation-free): binds to an ephemeral port on first use.</summary>
    internal SocketError SendTo(ReadOnlySpan<byte> payload, NetAddress remote, ushort remotePort) =>
        SendTo(payload, remote, remotePort, _sendSegmentSize);

    /// <summary>As <see cref="SendTo(ReadOnlySpan{byte}, NetAddress, ushort)"/>, cut into <paramref name="segmentSize"/>-byte datagrams when above 0.</summary>
    private SocketError SendTo(ReadOnlySpan<byte> payload, NetAddress remote, ushort remotePort, int segmentSize)
    {
        NetAddress local;
        ushort localPort;
        lock (_lock)
        {
            if (_disposed)
            {
                return SocketError.OperationAborted;
            }
            if (remote.IsV6 != IsV6)
            {
                return SocketError.AddressFamilyNotSupported;
            }
            if (_pendingError != SocketError.Success)
            {
                SocketError e = _pendingError;
                _pendingError = SocketError.Success;
                return e;
            }
            if (!_registered)
            {
                try
                {
                    BindLocked(new NetAddress(UInt128.Zero, IsV6), 0, default, 0);
                }
                catch (SocketException e)
                {
                    return e.SocketErrorCode;
                }
            }
            local = _key.LocalAddress;
            localPort = _key.LocalPort;
        }
        return _udp.Send(payload, local, localPort, remote, remotePort, segmentSize);
    }

    /// <summary>
    /// Sends to the connected remote without building an endpoint (the forwarder's per-datagram path); with
    /// <paramref name="segmentSize"/> above 0 a run of datagrams of that size (as <see cref="SendSegmentSize"/>).
    /// </summary>
    internal SocketError SendConnected(ReadOnlySpan<byte> payload, int segmentSize)
    {
        NetAddress remote;
        ushort remotePort;
        lock (_lock)
        {
            if (RemoteEndPoint is null)
            {
                return SocketError.NotConnected;
            }
            remote = _key.RemoteAddress;
            remotePort = _key.RemotePort;
        }
        return SendTo(payload, remote, remotePort, segmentSize);
    }

    private IUdpDatagramSink? _sink;

    /// <summary>
    /// From now on every datagram that arrives goes straight to <paramref name="sink"/> on the delivering thread (the
    /// link's dispatcher), instead of the receive queue: no queue, no task, no endpoint object per datagram. Set once,
    /// before datagrams are expected; what was queued before stays for a receive.
    /// </summary>
    internal void DeliverTo(IUdpDatagramSink sink) => Volatile.Write(ref _sink, sink);

    /// <summary>Receives one datagram into <paramref name="buffer"/>, waiting until one arrives.</summary>
    /// <exception cref="InvalidOperationException">Another receive is outstanding.</exception>
    public ValueTask<UdpReceiveFromResult> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (ReceiveFailureLocked() is Exception failure)
            {
                return ValueTask.FromException<UdpReceiveFromResult>(failure);
            }
            if (_count > 0)
            {
                int n = DequeueLocked(buffer.Span, out NetAddress address, out ushort port, out int segmentSize);
                return ValueTask.FromResult(new UdpReceiveFromResult(n, new IPEndPoint(address.ToIPAddress(), port)) { SegmentSize = segmentSize });
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<UdpReceiveFromResult>(cancellationToken);
            }
            WaitLocked(buffer, null, cancellationToken);
            return new ValueTask<UdpReceiveFromResult>(this, _source.Version);
        }
    }

    /// <summary>
    /// The checks every receive makes first, under the lock: null when it may go on, else the exception it completes
    /// with (a connected socket's pending ICMP error is reported once).
    /// </summary>
    private Exception? ReceiveFailureLocked()
    {
        if (_receivePending)
        {
            throw new InvalidOperationException("A receive is already outstanding on this socket.");
        }
        if (_disposed)
        {
            return new ObjectDisposedException(nameof(UdpSocket));
        }
        if (_pendingError != SocketError.Success)
        {
            SocketError e = _pendingError;
            _pendingError = SocketError.Success;
            return new SocketException((int)e);
        }
        return null;
    }

    /// <summary>Makes the receive outstanding: the next arrival completes <see cref="_source"/> (writing <paramref name="address"/> when set).</summary>
    private void WaitLocked(Memory<byte> buffer, SocketAddress? address, CancellationToken cancellationToken)
    {
        _source.Reset();
        _receivePending = true;
        _pendingBuffer = buffer;
        _pendingAddress = address;
        _pendingToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (s, ct) => ((UdpSocket)s!).CancelReceive(ct), this);
        }
    }

    /// <summary>Ends the outstanding receive's bookkeeping; the caller completes <see cref="_source"/> and disposes the returned registration after the lock.</summary>
    private CancellationTokenRegistration EndWaitLocked()
    {
        _receivePending = false;
        _pendingBuffer = default;
        _pendingAddress = null;
        CancellationTokenRegistration registration = _cancellation;
        _cancellation = default;
        return registration;
    }

    internal void OnError(in TransportErrorInfo error)
    {
        if (error.Kind != TransportErrorKind.PortUnreachable && error.Kind != TransportErrorKind.ProtocolUnreachable
            && error.Kind != TransportErrorKind.DestinationUnreachable)
        {
            return;
        }
        SocketError code = error.Kind == TransportErrorKind.DestinationUnreachable ? SocketError.HostUnreachable : SocketError.ConnectionRefused;
        CancellationTokenRegistration registration = default;
        lock (_lock)
        {
            if (_disposed || RemoteEndPoint is null)
            {
                return;
            }
            if (_receivePending)
            {
                registration = EndWaitLocked();
                _source.SetException(new SocketException((int)code));
            }
            else
            {
                _pendingError = code;
            }
        }
        registration.Dispose();
    }

    private void CancelReceive(CancellationToken token)
    {
        lock (_lock)
        {
            if (!_receivePending || _pendingToken != token)
            {
                return; // a late callback for a receive that already completed
            }
            EndWaitLocked(); // the registration is the one being invoked: nothing to dispose
            _source.SetException(new OperationCanceledException(token));
        }
    }

    private NetAddress ToAddress(IPAddress address)
    {
        NetAddress a = NetAddress.FromIPAddress(address);
        if (a.IsV6 != IsV6)
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        }
        return a;
    }

    UdpReceiveFromResult IValueTaskSource<UdpReceiveFromResult>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<UdpReceiveFromResult>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<UdpReceiveFromResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);

    /// <summary>
    /// Closes the socket (once): unbinds, releases its port and the queued datagrams, and fails a pending receive
    /// with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        CancellationTokenRegistration registration = default;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_registered)
            {
                _udp.Unregister(_key, this);
                _registered = false;
            }
            if (_reservedPort)
            {
                Stack.Ports.Release(IpProtocol.Udp, _key.LocalAddress, _key.LocalPort);
                _reservedPort = false;
            }
            while (_count > 0)
            {
                QueuedDatagram d = _queue[_head];
                _queue[_head] = default;
                _head = (_head + 1) % _queue.Length;
                _count--;
                d.Packet.Release();
            }
            ChargeLocked(-_queuedBytes);
            if (_receivePending)
            {
                registration = EndWaitLocked();
                _source.SetException(new ObjectDisposedException(nameof(UdpSocket)));
            }
        }
        registration.Dispose();
        Interlocked.Exchange(ref _disposedCallback, null)?.Invoke();
    }

    /// <summary>As <see cref="Dispose"/>; completes synchronously.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
