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
public sealed class UdpSocket : IAsyncDisposable, IDisposable, IValueTaskSource<UdpReceiveFromResult>
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

    public NetStack Stack { get; }

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
    internal SocketError SendTo(ReadOnlySpan<byte> payload, NetAddress remote, ushort remotePort)
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
        return _udp.Send(payload, local, localPort, remote, remotePort, _sendSegmentSize);
    }

    /// <summary>Sends to the connected remote without building an endpoint (the forwarder's per-datagram path).</summary>
    internal SocketError SendConnected(ReadOnlySpan<byte> payload)
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
        return SendTo(payload, remote, remotePort);
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
            if (_receivePending)
            {
                throw new InvalidOperationException("A receive is already outstanding on this socket.");
            }
            if (_disposed)
            {
                return ValueTask.FromException<UdpReceiveFromResult>(new ObjectDisposedException(nameof(UdpSocket)));
            }
            if (_pendingError != SocketError.Success)
            {
                SocketError e = _pendingError;
                _pendingError = SocketError.Success;
                return ValueTask.FromException<UdpReceiveFromResult>(new SocketException((int)e));
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
            _source.Reset();
            _receivePending = true;
            _pendingBuffer = buffer;
            _pendingToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static (s, ct) => ((UdpSocket)s!).CancelReceive(ct), this);
            }
            return new ValueTask<UdpReceiveFromResult>(this, _source.Version);
        }
    }

    /// <summary>The synchronous receive path (allocation-free): false when nothing is queued.</summary>
    internal bool TryReceiveFrom(Span<byte> buffer, out int bytes, out NetAddress remote, out ushort remotePort)
    {
        lock (_lock)
        {
            if (_count == 0 || _receivePending)
            {
                bytes = 0;
                remote = default;
                remotePort = 0;
                return false;
            }
            bytes = DequeueLocked(buffer, out remote, out remotePort, out _);
            return true;
        }
    }

    /// <summary>Called on the dispatcher thread with a datagram positioned at its payload; false when the queue is full (the caller drops it).</summary>
    internal bool Enqueue(PacketBuffer packet, NetAddress source, ushort sourcePort, int segmentSize = 0)
    {
        if (Volatile.Read(ref _sink) is IUdpDatagramSink sink && !Volatile.Read(ref _disposed))
        {
            sink.Deliver(packet.Span, segmentSize);
            packet.Release();
            return true;
        }
        CancellationTokenRegistration registration = default;
        UdpReceiveFromResult? completed = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
            if (_receivePending && (segmentSize == 0 || packet.Length <= _pendingBuffer.Length))
            {
                // A reader waits: copy straight into its buffer; its continuation runs elsewhere.
                int n = Math.Min(packet.Length, _pendingBuffer.Length);
                packet.Span[..n].CopyTo(_pendingBuffer.Span);
                packet.Release();
                _receivePending = false;
                _pendingBuffer = default;
                registration = _cancellation;
                _cancellation = default;
                completed = new UdpReceiveFromResult(n, new IPEndPoint(source.ToIPAddress(), sourcePort)) { SegmentSize = n > segmentSize ? segmentSize : 0 };
            }
            else if (_receivePending)
            {
                // A run longer than the reader's buffer: queue it, and hand the reader the whole datagrams that fit.
                if (!QueueLocked(packet, source, sourcePort, segmentSize))
                {
                    return false;
                }
                int n = DequeueLocked(_pendingBuffer.Span, out NetAddress address, out ushort port, out int size);
                _receivePending = false;
                _pendingBuffer = default;
                registration = _cancellation;
                _cancellation = default;
                completed = new UdpReceiveFromResult(n, new IPEndPoint(address.ToIPAddress(), port)) { SegmentSize = size };
            }
            else if (!QueueLocked(packet, source, sourcePort, segmentSize))
            {
                return false;
            }
        }
        registration.Dispose();
        if (completed is UdpReceiveFromResult result)
        {
            _source.SetResult(result); // after the lock: a reader completed inline (CompletesInline) may call in again
        }
        return true;
    }

    /// <summary>
    /// Runs the waiting reader's continuation on the thread that delivers the datagram (the link's dispatcher), after
    /// the socket's lock is released, instead of on the thread pool. Only for readers known to be short and
    /// non-blocking — the forwarder's relays, whose continuation is one host <c>sendto</c> — where it saves a thread
    /// hop per datagram (ping-pong latency).
    /// </summary>
    internal bool CompletesInline
    {
        get => !_source.RunContinuationsAsynchronously;
        set => _source.RunContinuationsAsynchronously = !value;
    }

    /// <summary>Appends a datagram (or a run of them) to the queue, coalescing it into the last entry when the socket asked for GRO; false when the queue is full.</summary>
    private bool QueueLocked(PacketBuffer packet, NetAddress source, ushort sourcePort, int segmentSize)
    {
        if (ReceiveCoalesced && segmentSize == 0 && _count > 0 && TryCoalesceLocked(packet, source, sourcePort))
        {
            return true;
        }
        // Charge the whole buffer, not the payload (Linux's truesize): a flood of tiny datagrams must not
        // pin thousands of 2 KiB blocks under a limit meant for bytes.
        if (_queuedBytes + packet.Capacity > ReceiveBufferSize)
        {
            return false;
        }
        if (_count == _queue.Length)
        {
            var larger = new QueuedDatagram[_queue.Length * 2];
            for (int i = 0; i < _count; i++)
            {
                larger[i] = _queue[(_head + i) % _queue.Length];
            }
            _queue = larger;
            _head = 0;
        }
        _queue[(_head + _count) % _queue.Length] = new QueuedDatagram(packet, source, sourcePort, segmentSize);
        _count++;
        _queuedBytes += packet.Capacity;
        return true;
    }

    /// <summary>
    /// GRO at the socket (Linux udp_gro_receive's rules): a datagram joins the last queued entry when it comes from
    /// the same sender, is no longer than the entry's datagrams (a shorter one ends the run) and the entry has room.
    /// The entry moves into a 64 KiB buffer the first time it grows.
    /// </summary>
    private bool TryCoalesceLocked(PacketBuffer packet, NetAddress source, ushort sourcePort)
    {
        ref QueuedDatagram tail = ref _queue[(_head + _count - 1) % _queue.Length];
        int size = tail.SegmentSize == 0 ? tail.Packet.Length : tail.SegmentSize;
        int length = packet.Length;
        if (tail.Closed || tail.Address != source || tail.Port != sourcePort || length == 0 || length > size
            || (tail.SegmentSize != 0 && tail.Packet.Length % size != 0) || tail.Packet.Length + length > MaxCoalescedBytes
            || tail.Packet.Length / size >= MaxCoalescedSegments)
        {
            return false;
        }
        if (tail.Packet.Tailroom < length || tail.Packet.ReferenceCount != 1)
        {
            if (_queuedBytes - tail.Packet.Capacity + PacketPool.MaxPacketSize > ReceiveBufferSize)
            {
                return false;
            }
            PacketBuffer larger = Stack.Pool.Rent(MaxCoalescedBytes, headroom: 0);
            tail.Packet.Span.CopyTo(larger.Append(tail.Packet.Length));
            _queuedBytes += larger.Capacity - tail.Packet.Capacity;
            tail.Packet.Release();
            tail.Packet = larger;
        }
        packet.Span.CopyTo(tail.Packet.Append(length));
        packet.Release();
        tail.SegmentSize = size;
        tail.Closed = length < size;
        return true;
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
                _receivePending = false;
                _pendingBuffer = default;
                registration = _cancellation;
                _cancellation = default;
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
            _receivePending = false;
            _pendingBuffer = default;
            _cancellation = default;
            _source.SetException(new OperationCanceledException(token));
        }
    }

    /// <summary>
    /// Copies the head entry into <paramref name="buffer"/>. A single datagram is dequeued (cut to the buffer, as any
    /// UDP receive). A coalesced run gives as many whole datagrams as fit — or, when not even one fits, its first one
    /// cut — and stays queued with the rest; <paramref name="segmentSize"/> is set when more than one was copied.
    /// </summary>
    private int DequeueLocked(Span<byte> buffer, out NetAddress address, out ushort port, out int segmentSize)
    {
        ref QueuedDatagram d = ref _queue[_head];
        address = d.Address;
        port = d.Port;
        int size = d.SegmentSize;
        PacketBuffer packet = d.Packet;
        segmentSize = 0;
        if (size > 0 && packet.Length > size && packet.Length > buffer.Length)
        {
            int whole = buffer.Length / size * size;
            int n = whole > 0 ? whole : buffer.Length;
            packet.Span[..n].CopyTo(buffer);
            packet.TrimFront(whole > 0 ? whole : size);
            segmentSize = whole > size ? size : 0;
            return n;
        }
        d = default;
        _head = (_head + 1) % _queue.Length;
        _count--;
        _queuedBytes -= packet.Capacity;
        int copied = Math.Min(packet.Length, buffer.Length);
        packet.Span[..copied].CopyTo(buffer);
        packet.Release();
        segmentSize = size > 0 && copied > size ? size : 0;
        return copied;
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
            _queuedBytes = 0;
            if (_receivePending)
            {
                _receivePending = false;
                _pendingBuffer = default;
                registration = _cancellation;
                _cancellation = default;
                _source.SetException(new ObjectDisposedException(nameof(UdpSocket)));
            }
        }
        registration.Dispose();
        Interlocked.Exchange(ref _disposedCallback, null)?.Invoke();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
