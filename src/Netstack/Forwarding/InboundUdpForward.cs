using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Forwarding;

/// <summary>
/// One inbound UDP port forward (<c>netstack run -u</c>): datagrams to a host port are sent into the stack's network
/// to the namespace's address and port, from the client's own address (see <see cref="InboundTarget"/>); each
/// client is a flow with its own stack socket, whose replies go back to that client from the host port. A flow
/// idle for <see cref="HostForwarderOptions.UdpIdleTimeout"/> is closed.
/// </summary>
public sealed class InboundUdpForward : IAsyncDisposable
{
    private readonly NetStack _stack;
    private readonly Socket _host;
    private readonly InboundTarget _target;
    private readonly int _port;
    private readonly HostForwarderOptions _options;
    private readonly HostForwarderStatistics _stats;
    private readonly CancellationTokenSource _stop = new(); // never disposed: relays still ending may read its token (it holds no timer)
    private readonly Lock _lock = new();
    private readonly Dictionary<IPEndPoint, Flow> _flows = [];
    private readonly Task _receiving;

    private InboundUdpForward(NetStack stack, Socket host, InboundTarget target, int port, HostForwarderOptions options, HostForwarderStatistics stats)
    {
        _stack = stack;
        _host = host;
        _target = target;
        _port = port;
        _options = options;
        _stats = stats;
        _receiving = ReceiveLoopAsync();
    }

    /// <summary>Serves the bound UDP socket <paramref name="host"/> into the stack's <paramref name="port"/>, counted in <paramref name="forwarder"/>'s statistics.</summary>
    public static InboundUdpForward Start(NetStack stack, Socket host, InboundTarget target, int port, HostForwarderOptions options, HostForwarder forwarder)
    {
        ArgumentNullException.ThrowIfNull(forwarder);
        return Start(stack, host, target, port, options, forwarder.Statistics);
    }

    /// <summary>Serves the bound UDP socket <paramref name="host"/> into the stack's <paramref name="port"/>, counted in <paramref name="stats"/>.</summary>
    internal static InboundUdpForward Start(NetStack stack, Socket host, InboundTarget target, int port, HostForwarderOptions options, HostForwarderStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stats);
        return new InboundUdpForward(stack, host, target, port, options, stats);
    }

    private sealed class Flow(UdpSocket socket, IPEndPoint client)
    {
        public UdpSocket Socket { get; } = socket;

        public IPEndPoint Client { get; } = client;

        public long LastActivity;
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(UdpProtocolLimits.MaxDatagram);
        EndPoint any = _host.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                SocketReceiveFromResult r;
                try
                {
                    r = await _host.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue; // an ICMP error for an earlier reply to some client
                }
                var client = (IPEndPoint)r.RemoteEndPoint;
                Flow? flow = FindOrOpen(client);
                if (flow is null)
                {
                    continue;
                }
                Volatile.Write(ref flow.LastActivity, _options.TimeProvider.GetTimestamp());
                Interlocked.Add(ref _stats.BytesIn, r.ReceivedBytes);
                await flow.Socket.SendAsync(buffer.AsMemory(0, r.ReceivedBytes), _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Flow? FindOrOpen(IPEndPoint client)
    {
        lock (_lock)
        {
            if (_flows.TryGetValue(client, out Flow? flow))
            {
                return flow;
            }
            if (_flows.Count >= _options.MaxFlows || !_target.TryResolve(client, _port, out IPEndPoint destination, out IPEndPoint source))
            {
                return null;
            }
            var socket = new UdpSocket(_stack, destination.AddressFamily) { CompletesInline = true };
            try
            {
                socket.BindForwarded(NetAddress.FromIPAddress(source.Address), (ushort)source.Port,
                    NetAddress.FromIPAddress(destination.Address), (ushort)destination.Port, disposed: null);
            }
            catch (SocketException)
            {
                socket.Dispose();
                return null;
            }
            flow = new Flow(socket, client) { LastActivity = _options.TimeProvider.GetTimestamp() };
            _flows.Add(client, flow);
            Interlocked.Increment(ref _stats.UdpFlows);
            _ = RepliesAsync(flow);
            return flow;
        }
    }

    /// <summary>The namespace's replies go back to the client from the host port, until the flow is idle.</summary>
    private async Task RepliesAsync(Flow flow)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(UdpProtocolLimits.MaxDatagram);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        Task watch = WatchIdleAsync(flow, idle);
        try
        {
            while (true)
            {
                UdpReceiveFromResult r = await flow.Socket.ReceiveFromAsync(buffer, idle.Token).ConfigureAwait(false);
                Volatile.Write(ref flow.LastActivity, _options.TimeProvider.GetTimestamp());
                Interlocked.Add(ref _stats.BytesOut, r.ReceivedBytes);
                await _host.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, flow.Client, idle.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (_lock)
            {
                _flows.Remove(flow.Client);
            }
            flow.Socket.Dispose();
            await idle.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task WatchIdleAsync(Flow flow, CancellationTokenSource idle)
    {
        TimeSpan wait = _options.UdpIdleTimeout;
        while (true)
        {
            await Task.Delay(wait, _options.TimeProvider, idle.Token).ConfigureAwait(false);
            TimeSpan quiet = _options.TimeProvider.GetElapsedTime(Volatile.Read(ref flow.LastActivity));
            if (quiet >= _options.UdpIdleTimeout)
            {
                Interlocked.Increment(ref _stats.UdpIdleClosed);
                await idle.CancelAsync().ConfigureAwait(false);
                return;
            }
            wait = _options.UdpIdleTimeout - quiet;
        }
    }

    /// <summary>Stops the forward: closes the host socket, waits for its receive loop to end and closes every flow's stack socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _host.Dispose();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Flow[] flows;
        lock (_lock)
        {
            flows = [.. _flows.Values];
        }
        foreach (Flow flow in flows)
        {
            flow.Socket.Dispose();
        }
    }
}
