using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Sockets;

/// <summary>
/// An established TCP connection of a <see cref="Stack.NetStack"/>: its <see cref="Stream"/>, the
/// socket options a .NET programmer knows (NoDelay, buffer sizes, keepalive, linger), half-close,
/// abort and a <see cref="TcpInfo"/> snapshot. Disposing closes gracefully (or resets with linger 0).
/// </summary>
public sealed class TcpConnection : IAsyncDisposable, IDisposable
{
    private readonly TcpEndpoint _endpoint;
    private IPEndPoint? _localEndPoint;  // made when first asked for: many connections are never asked
    private IPEndPoint? _remoteEndPoint;
    private TcpPipeReader? _input;       // made on first use of Input
    private int _disposed;

    internal TcpConnection(TcpEndpoint endpoint)
    {
        _endpoint = endpoint;
        Stream = new TcpStream(this, endpoint);
    }

    /// <summary>The connection's byte stream; disposing it closes the connection.</summary>
    public TcpStream Stream { get; }

    /// <summary>
    /// The received bytes as a <see cref="PipeReader"/> that lends the stack's own packet buffers instead of copying
    /// them: a read returns everything queued as a <see cref="System.Buffers.ReadOnlySequence{T}"/>, and
    /// <see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/> drops what was consumed, which opens the
    /// receive window as a <see cref="Stream"/> read would (unconsumed bytes stay in TCP: the window is the
    /// back-pressure). The result is complete after the peer's FIN; a failed connection throws an
    /// <see cref="IOException"/> wrapping a <see cref="System.Net.Sockets.SocketException"/>, as the stream does.
    /// </summary>
    /// <remarks>
    /// One reader per connection: once this is used, reading <see cref="Stream"/> throws
    /// <see cref="InvalidOperationException"/> (writing it is fine). Completing the reader does not close the
    /// connection; disposing the connection does, and ends the input.
    /// </remarks>
    public PipeReader Input => Volatile.Read(ref _input) ?? CreateInput();

    /// <summary>Whether <see cref="Input"/> was used, so that the stream must not be read.</summary>
    internal bool IsReadThroughInput => Volatile.Read(ref _input) is not null;

    /// <summary>This side's address and port.</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ??= new IPEndPoint(_endpoint.Id.LocalAddress.ToIPAddress(), _endpoint.Id.LocalPort);

    /// <summary>The peer's address and port.</summary>
    public IPEndPoint RemoteEndPoint => _remoteEndPoint ??= new IPEndPoint(_endpoint.Id.RemoteAddress.ToIPAddress(), _endpoint.Id.RemotePort);

    /// <summary>The current state of the connection (RFC 9293 §3.3.2); it changes as segments arrive.</summary>
    public TcpConnectionState State => _endpoint.State;

    /// <summary>The protocol endpoint underneath (for diagnostics and tests).</summary>
    public TcpEndpoint Endpoint => _endpoint;

    /// <summary>TCP_NODELAY: send small segments at once instead of waiting for outstanding data to be acknowledged (Nagle, RFC 896). Off by default.</summary>
    /// <remarks>Setting it to true also sends what is queued at once, even while <see cref="Cork"/> holds it (as Linux).</remarks>
    public bool NoDelay
    {
        get => _endpoint.Options.NoDelay;
        set
        {
            _endpoint.Options.NoDelay = value;
            _endpoint.OptionsChanged(push: value);
        }
    }

    /// <summary>
    /// TCP_CORK: hold a partial last segment back until more data fills it or the cork is removed, so that headers and
    /// body written separately share segments; full segments still go, and a held tail leaves after one
    /// retransmission timeout with nothing in flight (Linux's 200 ms bound). Setting it to false sends what it held.
    /// Off by default. For one write, <see cref="TcpWriteFlags.More"/> does the same.
    /// </summary>
    public bool Cork
    {
        get => _endpoint.Options.Cork;
        set
        {
            _endpoint.Options.Cork = value;
            _endpoint.OptionsChanged();
        }
    }

    /// <summary>The congestion control (<c>cubic</c>, <c>reno</c>/<c>newreno</c>); setting an unknown name throws <see cref="ArgumentException"/>.</summary>
    public string CongestionControl
    {
        get => _endpoint.CongestionControlName;
        set => _endpoint.SetCongestionControl(value);
    }

    /// <summary>Send buffer in bytes: how much written data may wait unacknowledged before writes wait. Values below 1 become 1.</summary>
    public int SendBufferSize
    {
        get => _endpoint.Options.SendBufferSize;
        set => _endpoint.Options.SendBufferSize = Math.Max(1, value);
    }

    /// <summary>Receive buffer; the window scale was fixed at the handshake, so growth beyond 65535·2^scale has no effect.</summary>
    public int ReceiveBufferSize
    {
        get => _endpoint.Options.ReceiveBufferSize;
        set
        {
            _endpoint.Options.ReceiveBufferSize = Math.Max(1, value);
            _endpoint.Options.ReceiveBufferAutoTuning = false; // an explicit size locks the buffer, as SO_RCVBUF does
            _endpoint.OptionsChanged();
        }
    }

    /// <summary>SO_KEEPALIVE: probe an idle connection and reset it when the peer stops answering (RFC 1122 §4.2.3.6). Off by default.</summary>
    public bool KeepAlive
    {
        get => _endpoint.Options.KeepAlive;
        set
        {
            _endpoint.Options.KeepAlive = value;
            _endpoint.OptionsChanged();
        }
    }

    /// <summary>TCP_KEEPIDLE: idle time before the first keepalive probe (2 hours by default).</summary>
    public TimeSpan KeepAliveTime
    {
        get => _endpoint.Options.KeepAliveTime;
        set
        {
            _endpoint.Options.KeepAliveTime = value;
            _endpoint.OptionsChanged();
        }
    }

    /// <summary>TCP_KEEPINTVL: time between unanswered keepalive probes (75 seconds by default).</summary>
    public TimeSpan KeepAliveInterval
    {
        get => _endpoint.Options.KeepAliveInterval;
        set => _endpoint.Options.KeepAliveInterval = value;
    }

    /// <summary>TCP_KEEPCNT: unanswered keepalive probes before the connection is reset (9 by default).</summary>
    public int KeepAliveRetryCount
    {
        get => _endpoint.Options.KeepAliveProbes;
        set => _endpoint.Options.KeepAliveProbes = value;
    }

    /// <summary>
    /// TCP_NOTSENT_LOWAT: the most written bytes that may wait unsent before writes wait (see
    /// <see cref="TcpEndpointOptions.NotSentLowWatermark"/>); <see cref="int.MaxValue"/>, the default, means no limit.
    /// </summary>
    public int NotSentLowWatermark
    {
        get => _endpoint.Options.NotSentLowWatermark;
        set
        {
            _endpoint.Options.NotSentLowWatermark = value;
            _endpoint.OptionsChanged();
        }
    }

    /// <summary>
    /// TCP_USER_TIMEOUT (RFC 5482): how long sent data may stay unacknowledged before the connection fails with TimedOut
    /// (see <see cref="TcpEndpointOptions.UserTimeout"/>); <see cref="TimeSpan.Zero"/>, the default, leaves it to the retransmission count.
    /// </summary>
    public TimeSpan UserTimeout
    {
        get => _endpoint.Options.UserTimeout;
        set => _endpoint.Options.UserTimeout = value;
    }

    /// <summary>
    /// IP_TOS (.NET's <c>SocketOptionName.TypeOfService</c>; IPv6: the traffic class): the bits above ECN of every
    /// packet sent from now on (see <see cref="TcpEndpointOptions.TypeOfService"/>).
    /// </summary>
    public byte TypeOfService
    {
        get => _endpoint.Options.TypeOfService;
        set => _endpoint.Options.TypeOfService = value;
    }

    /// <summary>
    /// As <c>Socket.DontFragment</c>: IPv4 segments carry Don't Fragment and path MTU discovery runs (the default); false
    /// sends them without DF and ignores "fragmentation needed" (see <see cref="TcpEndpointOptions.DontFragment"/>).
    /// </summary>
    public bool DontFragment
    {
        get => _endpoint.Options.DontFragment;
        set => _endpoint.Options.DontFragment = value;
    }

    /// <summary>SO_LINGER: only "enabled with 0 seconds" (abortive close) changes behaviour.</summary>
    public LingerOption LingerState
    {
        get => new(_endpoint.Options.LingerZero, 0);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _endpoint.Options.LingerZero = value.Enabled && value.LingerTime == 0;
        }
    }

    /// <summary>A snapshot of the connection's state, windows, RTT and counters (like Linux TCP_INFO).</summary>
    public TcpInfo GetInfo() => _endpoint.GetInfo();

    /// <summary>Half-close: send FIN after the buffered data; reading continues.</summary>
    public void ShutdownWrite() => _endpoint.Shutdown();

    /// <summary>Reset the connection (RST) and drop all buffered data.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _disposed, 1);
        _endpoint.Abort();
    }

    /// <summary>
    /// Closes the connection (once): a FIN after the buffered data, or a reset when <see cref="LingerState"/> is zero or
    /// received data was left unread (as Linux does). Pending reads and writes fail.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _endpoint.Close();
        }
    }

    /// <summary>As <see cref="Dispose"/>; completes synchronously (the FIN and its acknowledgment happen in the background).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>"TCP LOCAL -> REMOTE STATE".</summary>
    public override string ToString() => $"TCP {LocalEndPoint} -> {RemoteEndPoint} {State}";

    private TcpPipeReader CreateInput()
    {
        var reader = new TcpPipeReader(_endpoint, static error => error == SocketError.OperationAborted ? null : StreamError(error));
        return Interlocked.CompareExchange(ref _input, reader, null) ?? reader;
    }

    internal static IOException StreamError(SocketError error) =>
        new($"Unable to transfer data on the TCP connection: {error}.", new SocketException((int)error));
}
