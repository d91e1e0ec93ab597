using System.Buffers;
using System.Net.Sockets;
using Netstack.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Carries one UDP flow between a stack socket (bound to the destination the peer wrote to, connected to the peer)
/// and a host flow to the real destination, until neither side has sent anything for the idle timeout.
/// </summary>
internal static class UdpFlowRelay
{
    public static async Task RunAsync(UdpSocket socket, IOutboundUdpFlow flow, HostForwarderOptions options, HostForwarderStatistics stats, CancellationToken shutdown)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        long lastActivity = options.TimeProvider.GetTimestamp();
        Task outbound = PumpToHostAsync();
        Task inbound = PumpToStackAsync();
        Task idle = WatchIdleAsync();
        await Task.WhenAny(outbound, inbound, idle).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await flow.DisposeAsync().ConfigureAwait(false);
        socket.Dispose();
        await Task.WhenAll(outbound, inbound, idle).ConfigureAwait(false);

        async Task PumpToHostAsync()
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(UdpProtocolLimits.MaxDatagram);
            try
            {
                while (true)
                {
                    UdpReceiveFromResult r = await socket.ReceiveFromAsync(buffer, stop.Token).ConfigureAwait(false);
                    Volatile.Write(ref lastActivity, options.TimeProvider.GetTimestamp());
                    Interlocked.Add(ref stats.BytesOut, r.ReceivedBytes);
                    try
                    {
                        await flow.SendAsync(buffer.AsMemory(0, r.ReceivedBytes), stop.Token).ConfigureAwait(false);
                    }
                    catch (SocketException)
                    {
                        // An earlier datagram drew ICMP port unreachable (ECONNREFUSED): UDP loses it, the flow goes on.
                    }
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        async Task PumpToStackAsync()
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(UdpProtocolLimits.MaxDatagram);
            try
            {
                while (true)
                {
                    int n;
                    try
                    {
                        n = await flow.ReceiveAsync(buffer, stop.Token).ConfigureAwait(false);
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                    {
                        continue; // ICMP port unreachable for an earlier send; keep listening
                    }
                    Volatile.Write(ref lastActivity, options.TimeProvider.GetTimestamp());
                    Interlocked.Add(ref stats.BytesIn, n);
                    await socket.SendAsync(buffer.AsMemory(0, n), stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        Task WatchIdleAsync() => UdpIdleWatch.WaitAsync(options.TimeProvider, options.UdpIdleTimeout, () => Volatile.Read(ref lastActivity), stats, stop.Token);
    }
}

/// <summary>The largest UDP payload over IPv4 or IPv6 without jumbograms (65535 minus the headers).</summary>
internal static class UdpProtocolLimits
{
    public const int MaxDatagram = 65535;
}
