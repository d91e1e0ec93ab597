using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Carries one echo request through an unprivileged ping socket (Linux <c>SOCK_DGRAM</c> with <c>IPPROTO_ICMP</c> or
/// <c>IPPROTO_ICMPV6</c>, allowed by <c>net.ipv4.ping_group_range</c>) and answers the stack's peer with the reply's
/// data. The kernel picks the identifier of the host-side echo; the peer gets its own back.
/// </summary>
internal static class PingRelay
{
    /// <summary>How long a reply is awaited; ping's own default wait is 10 s.</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Whether this process may open ping sockets of <paramref name="family"/>; otherwise why not.</summary>
    public static bool IsAvailable(AddressFamily family, out string? why)
    {
        try
        {
            using Socket probe = Open(family);
            why = null;
            return true;
        }
        catch (SocketException e)
        {
            why = $"ping sockets are not allowed here ({e.SocketErrorCode}; see sysctl net.ipv4.ping_group_range)";
            return false;
        }
    }

    public static async Task RunAsync(IcmpEchoRequest request, IPAddress destination, HostForwarderStatistics stats)
    {
        bool v6 = destination.AddressFamily == AddressFamily.InterNetworkV6;
        using Socket socket = Open(destination.AddressFamily);
        byte[] message = new byte[8 + request.Data.Length];
        message[0] = v6 ? (byte)128 : (byte)8; // echo request; the kernel fills in the identifier and checksum
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), request.SequenceNumber);
        request.Data.Span.CopyTo(message.AsSpan(8));
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        try
        {
            Interlocked.Increment(ref stats.EchoRequests);
            await socket.SendToAsync(message, SocketFlags.None, new IPEndPoint(destination, 0), timeout.Token).ConfigureAwait(false);
            byte[] reply = new byte[message.Length + 64];
            while (true)
            {
                int n = await socket.ReceiveAsync(reply, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                bool isReply = n >= 8 && reply[0] == (v6 ? 129 : 0);
                if (isReply && BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6)) == request.SequenceNumber)
                {
                    Interlocked.Increment(ref stats.EchoReplies);
                    request.Reply(reply.AsSpan(8, n - 8));
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // No reply (or an ICMP error): the peer's ping times out, as it would have on the host.
        }
    }

    private static Socket Open(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.IcmpV6)
        : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Icmp);
}
