using Microsoft.Extensions.Logging;
using Netstack.Link;
using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Forwarding;

/// <summary>
/// User-mode networking's engine: every TCP connection, UDP flow and echo request a stack's peers send to any
/// destination is carried by a host socket to that destination (after <see cref="DestinationMap"/>), the job pasta
/// and slirp4netns do for a network namespace. The stack answers a SYN only after the host connect succeeded
/// (refused → RST, unreachable → ICMP unreachable, timed out → RST).
/// </summary>
/// <remarks>
/// Host sockets are .NET sockets, driven by the runtime's epoll engine (a thread or two, not a thread per flow).
/// A relay holds one buffer per direction while it is open (<see cref="HostForwarderOptions.BufferSize"/>).
/// </remarks>
public sealed class HostForwarder : IAsyncDisposable
{
    private readonly NetStack _stack;
    private readonly HostForwarderOptions _options;
    private readonly CancellationTokenSource _stopping = new(); // never disposed: relays still ending may read its token (it holds no timer)
    private readonly List<ForwarderRegistration> _registrations = [];
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _relays = [];
    private int _warnedTcpLimit;
    private readonly ILogger _logger;

    private HostForwarder(NetStack stack, HostForwarderOptions options)
    {
        _stack = stack;
        _options = options;
        _logger = (options.LoggerFactory ?? stack.LoggerFactory).CreateLogger(ForwarderLog.Category);
        Readiness = new HostSocketReadiness(Statistics);
        if (stack.FindLink<TunLink>() is not TunLink tun || !tun.TryAddCompanion(Readiness))
        {
            Readiness.StartThread(); // no TUN dispatcher to share: a thread of its own
            _ownsReadiness = true;
        }
        _peekReadiness = options.PeekOffset && HostSocketSendSource.IsSupported ? Readiness : null;
    }

    /// <summary>The set that watches host sockets: peek-path TCP and direct UDP flows.</summary>
    internal HostSocketReadiness Readiness { get; }

    /// <summary>Where TCP relays watch their host sockets on the peek path; null when they copy instead.</summary>
    internal HostSocketReadiness? PeekReadiness => _peekReadiness;

    private readonly HostSocketReadiness? _peekReadiness;

    private readonly bool _ownsReadiness; // false when a TUN link took it as its dispatcher's companion (it disposes it)

    /// <summary>The counters the relays increment; read them with <see cref="GetStatistics"/>.</summary>
    internal HostForwarderStatistics Statistics { get; } = new();

    /// <summary>
    /// A snapshot of what the forwarder has carried and refused. The same counters are published on the stack's
    /// <see cref="NetStack.Meter"/> as <c>netstack.forwarder.*</c> from <see cref="Start"/> on.
    /// </summary>
    public HostForwarderStatisticsSnapshot GetStatistics() => new(Statistics);

    /// <summary>Starts forwarding everything <paramref name="stack"/>'s peers send to addresses and ports it does not serve itself.</summary>
    public static HostForwarder Start(NetStack stack, HostForwarderOptions options)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        var forwarder = new HostForwarder(stack, options);
        forwarder.Statistics.Register(stack.Meter);
        forwarder._registrations.Add(stack.ForwardTcp(forwarder.OnTcpRequest, new TcpForwarderOptions
        {
            MaxPendingRequests = options.MaxPendingDials,
            LimitReached = () => forwarder.Warn($"{options.MaxPendingDials} TCP connects are in progress (the limit); new SYNs are dropped until one completes"),
        }));
        forwarder._registrations.Add(stack.ForwardUdp(forwarder.OnUdpFlow, new UdpForwarderOptions
        {
            MaxFlows = options.MaxFlows,
            CompletesInline = true,
            LimitReached = () => forwarder.Warn($"{options.MaxFlows} UDP flows are open (the limit); datagrams of new flows are dropped"),
        }));
        if (options.ForwardIcmpEcho)
        {
            bool v4 = PingRelay.IsAvailable(AddressFamily.InterNetwork, out string? why4);
            bool v6 = PingRelay.IsAvailable(AddressFamily.InterNetworkV6, out string? why6);
            if (v4 || v6)
            {
                forwarder._registrations.Add(stack.ForwardIcmpEcho(forwarder.OnEcho));
            }
            if (!v4 || !v6)
            {
                forwarder.Warn($"pings to other hosts are not carried over {(!v4 && !v6 ? "IPv4 and IPv6" : !v4 ? "IPv4" : "IPv6")}: {why4 ?? why6}; the gateway still answers");
            }
        }
        return forwarder;
    }

    /// <summary>A line for <see cref="HostForwarderOptions.Warn"/> and the log (Warning).</summary>
    private void Warn(string line)
    {
        ForwarderLog.Warning(_logger, line);
        _options.Warn?.Invoke(line);
    }

    private void OnTcpRequest(TcpForwarderRequest request)
    {
        if (Interlocked.Read(ref Statistics.TcpOpen) >= _options.MaxFlows)
        {
            Interlocked.Increment(ref Statistics.TcpOverLimit);
            if (Interlocked.Exchange(ref _warnedTcpLimit, 1) == 0)
            {
                Warn($"{_options.MaxFlows} TCP connections are open (the limit); new ones are refused");
            }
            request.Refuse();
            return;
        }
        Track(CarryTcpAsync(request));
    }

    private async Task CarryTcpAsync(TcpForwarderRequest request)
    {
        if (_options.Map.Resolve(request.LocalEndPoint) is not IPEndPoint destination)
        {
            ForwarderLog.TcpDialFailed(_logger, request.RemoteEndPoint, request.LocalEndPoint, null, SocketError.ConnectionRefused);
            Answer(request, SocketError.ConnectionRefused);
            return;
        }
        Socket host;
        try
        {
            host = await _options.Dialer.ConnectTcpAsync(destination, _stopping.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            ForwarderLog.TcpDialFailed(_logger, request.RemoteEndPoint, request.LocalEndPoint, destination, e.SocketErrorCode);
            Answer(request, e.SocketErrorCode);
            return;
        }
        catch (OperationCanceledException)
        {
            request.Ignore();
            return;
        }
        TcpConnection connection;
        try
        {
            connection = await request.AcceptAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or InvalidOperationException)
        {
            host.LingerState = new LingerOption(true, 0);
            host.Dispose();
            return;
        }
        Interlocked.Increment(ref Statistics.TcpConnections);
        Interlocked.Increment(ref Statistics.TcpOpen);
        ForwarderLog.TcpFlowOpened(_logger, request.RemoteEndPoint, request.LocalEndPoint, destination);
        try
        {
            host.NoDelay = true; // the namespace's own TCP does the coalescing; we only relay
            await TcpRelay.RunAsync(connection, host, _options.BufferSize, _peekReadiness, Statistics, _stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref Statistics.TcpOpen);
            ForwarderLog.TcpFlowClosed(_logger, request.RemoteEndPoint, request.LocalEndPoint);
        }
    }

    /// <summary>Answers a SYN whose host connect failed the way the kernel's connect reported it.</summary>
    private void Answer(TcpForwarderRequest request, SocketError error)
    {
        switch (error)
        {
            case SocketError.ConnectionRefused:
                Interlocked.Increment(ref Statistics.TcpRefused);
                request.Refuse();
                break;
            case SocketError.HostUnreachable or SocketError.HostDown:
                Interlocked.Increment(ref Statistics.TcpUnreachable);
                request.Unreachable(TcpForwarderUnreachable.Host);
                break;
            case SocketError.NetworkUnreachable or SocketError.NetworkDown:
                Interlocked.Increment(ref Statistics.TcpUnreachable);
                request.Unreachable(TcpForwarderUnreachable.Network);
                break;
            case SocketError.AccessDenied:
                Interlocked.Increment(ref Statistics.TcpUnreachable);
                request.Unreachable(TcpForwarderUnreachable.Prohibited);
                break;
            default: // timed out (after the kernel's own SYN retries) or anything else: a reset ends the peer's wait
                Interlocked.Increment(ref Statistics.TcpUnreachable);
                request.Refuse();
                break;
        }
    }

    private void OnUdpFlow(UdpSocket socket) => Track(CarryUdpAsync(socket));

    private async Task CarryUdpAsync(UdpSocket socket)
    {
        if (_options.Map.Resolve(socket.LocalEndPoint!) is not IPEndPoint destination)
        {
            socket.Dispose();
            return;
        }
        IOutboundUdpFlow flow;
        try
        {
            flow = await _options.Dialer.OpenUdpAsync(destination, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return;
        }
        Interlocked.Increment(ref Statistics.UdpFlows);
        EndPoint? peer = socket.RemoteEndPoint;
        EndPoint? requested = socket.LocalEndPoint;
        ForwarderLog.UdpFlowOpened(_logger, peer, requested, destination);
        try
        {
            if (flow is DirectUdpFlow direct && await DirectUdpRelay.RunAsync(socket, direct, Readiness, _options, Statistics, _stopping.Token).ConfigureAwait(false))
            {
                return;
            }
            await UdpFlowRelay.RunAsync(socket, flow, _options, Statistics, _stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            ForwarderLog.UdpFlowClosed(_logger, peer, requested);
        }
    }

    private void OnEcho(IcmpEchoRequest request)
    {
        if (_options.Map.Resolve(new IPEndPoint(request.Destination, 0)) is IPEndPoint destination)
        {
            Track(PingRelay.RunAsync(request, destination.Address, Statistics));
        }
    }

    private void Track(Task relay)
    {
        lock (_lock)
        {
            if (relay.IsCompleted)
            {
                return;
            }
            _relays.Add(relay);
        }
        _ = relay.ContinueWith(static (t, s) =>
        {
            var self = (HostForwarder)s!;
            lock (self._lock)
            {
                self._relays.Remove(t);
            }
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Stops taking new connections and flows, cancels pending dials, and waits for the relays to end.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ForwarderRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] relays;
        lock (_lock)
        {
            relays = [.. _relays];
        }
        await Task.WhenAll(relays).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_ownsReadiness)
        {
            Readiness.Dispose();
        }
    }
}
