using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.NameResolution;

/// <summary>
/// One question put to one server through the stack: over UDP from a fresh socket on a random port, then over TCP
/// when the answer comes back truncated (RFC 1035 §4.2.1, §4.2.2; RFC 7766 §5). Returns null when the server gave no
/// usable answer in time (timeout, ICMP unreachable, no route, a malformed answer); the caller tries the next one.
/// </summary>
internal static class DnsExchange
{
    /// <summary>The largest message either transport can carry (the TCP length prefix is 16 bits).</summary>
    private const int MaxMessageLength = ushort.MaxValue;

    /// <summary>Random ports tried before leaving the choice to the stack (all taken is only likely in a busy stack).</summary>
    private const int RandomPortTries = 8;

    /// <summary>Asks <paramref name="server"/> over UDP, and over TCP if the UDP answer was truncated.</summary>
    public static async ValueTask<DnsResponse?> AskAsync(NetStack stack, IPEndPoint server, string name, DnsRecordType type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DnsResponse? response = await AskOverUdpAsync(stack, server, name, type, timeout, cancellationToken).ConfigureAwait(false);
        if (response is { Truncated: true })
        {
            response = await AskOverTcpAsync(stack, server, name, type, timeout, cancellationToken).ConfigureAwait(false);
        }
        return response;
    }

    /// <summary>
    /// The UDP exchange. Datagrams that do not answer this query (another ID or question, or not a response) are
    /// ignored and the wait goes on until <paramref name="timeout"/>, on the stack's clock: a spoofer has to guess
    /// the random ID and the random source port (RFC 5452 §9).
    /// </summary>
    public static async ValueTask<DnsResponse?> AskOverUdpAsync(NetStack stack, IPEndPoint server, string name, DnsRecordType type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ushort id = NewId();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength);
        try
        {
            using UdpSocket? socket = OpenSocket(stack, server);
            if (socket is null)
            {
                return null;
            }
            int length = DnsQuery.Write(buffer, id, name, type);
            using var timer = new CancellationTokenSource(timeout, stack.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await socket.SendAsync(buffer.AsMemory(0, length), linked.Token).ConfigureAwait(false);
                while (true)
                {
                    UdpReceiveFromResult received = await socket.ReceiveFromAsync(buffer, linked.Token).ConfigureAwait(false);
                    DnsResponseMatch match = DnsResponse.TryParse(buffer.AsSpan(0, received.ReceivedBytes), id, name, type, out DnsResponse? response);
                    if (match != DnsResponseMatch.NotOurs)
                    {
                        return response; // null when malformed
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null; // timed out
            }
            catch (SocketException)
            {
                return null; // ICMP port or host unreachable, no route
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The TCP exchange: one query with its 2-octet length prefix (RFC 1035 §4.2.2), one answer, within <paramref name="timeout"/>.</summary>
    public static async ValueTask<DnsResponse?> AskOverTcpAsync(NetStack stack, IPEndPoint server, string name, DnsRecordType type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ushort id = NewId();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(2 + MaxMessageLength);
        using var timer = new CancellationTokenSource(timeout, stack.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await using TcpConnection connection = await stack.ConnectTcpAsync(server, linked.Token).ConfigureAwait(false);
            int length = DnsQuery.Write(buffer.AsSpan(2), id, name, type);
            BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)length);
            await connection.Stream.WriteAsync(buffer.AsMemory(0, 2 + length), linked.Token).ConfigureAwait(false);
            await connection.Stream.ReadExactlyAsync(buffer.AsMemory(0, 2), linked.Token).ConfigureAwait(false);
            length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            await connection.Stream.ReadExactlyAsync(buffer.AsMemory(0, length), linked.Token).ConfigureAwait(false);
            // Over TCP nobody else can answer: a message that does not match is the server's failure.
            DnsResponseMatch match = DnsResponse.TryParse(buffer.AsSpan(0, length), id, name, type, out DnsResponse? response);
            return match == DnsResponseMatch.Answer && !response!.Truncated ? response : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null; // timed out
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null; // refused, reset, or closed before the whole answer
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A query ID from the system's CSPRNG (RFC 5452 §4.3).</summary>
    private static ushort NewId() => (ushort)RandomNumberGenerator.GetInt32(0, 1 << 16);

    /// <summary>
    /// A UDP socket connected to <paramref name="server"/> from a port drawn from the CSPRNG in the stack's ephemeral
    /// range (RFC 5452 §9.2). The stack's own choice (RFC 6056 §3.3.4) moves by one between successive connections to
    /// the same destination, which an off-path spoofer could follow; it is the fallback when the random ports are
    /// taken. Null when the stack has no route to the server.
    /// </summary>
    private static UdpSocket? OpenSocket(NetStack stack, IPEndPoint server)
    {
        if (!stack.TryFindRoute(NetAddress.FromIPAddress(server.Address), out RouteInfo route))
        {
            return null;
        }
        var socket = new UdpSocket(stack, server.AddressFamily);
        try
        {
            for (int i = 0; i < RandomPortTries && socket.LocalEndPoint is null; i++)
            {
                int port = RandomNumberGenerator.GetInt32(stack.Ports.EphemeralFirst, stack.Ports.EphemeralLast + 1);
                try
                {
                    socket.Bind(new IPEndPoint(route.LocalAddress.ToIPAddress(), port));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    // taken: draw again
                }
            }
            socket.Connect(server); // binds to the stack's choice if still unbound
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}
