using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Forwarding;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// <see cref="Socks5Dialer.OpenUdpAsync"/> against a scripted proxy and a fake relay on 127.0.0.1: the UDP
/// ASSOCIATE request (RFC 1928 §4), the §7 header both ways, what is dropped, and the end with the control connection.
/// </summary>
public sealed class Socks5UdpAssociateTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    public static TheoryData<string> Destinations => new() { "127.0.0.1:5353", "[::1]:5353" };

    [Theory]
    [MemberData(nameof(Destinations))]
    public async Task DatagramsAreWrappedUnwrappedAndFilteredAndTheFlowEndsWithTheControlConnection(string destinationText)
    {
        IPEndPoint destination = IPEndPoint.Parse(destinationText);
        using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int relayPort = ((IPEndPoint)relay.LocalEndPoint!).Port;
        var closeControl = new TaskCompletionSource();

        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(5, 1, 0);
            await c.WriteAsync(5, 0);
            // §4: UDP ASSOCIATE naming 0.0.0.0:0, the client not knowing its UDP address yet.
            await c.ExpectAsync(5, 3, 0, 1, 0, 0, 0, 0, 0, 0);
            // BND.ADDR 0.0.0.0: the relay is on the proxy's own address (127.0.0.1).
            await c.WriteAsync(5, 0, 0, 1, 0, 0, 0, 0, (byte)(relayPort >> 8), (byte)relayPort);
            await closeControl.Task;
        });
        var dialer = new Socks5Dialer(proxy.EndPoint);

        IOutboundUdpFlow flow = await dialer.OpenUdpAsync(destination, Timeout);
        await using (flow)
        {
            Assert.Equal(destination, flow.Destination);
            await flow.SendAsync("ping"u8.ToArray(), Timeout);

            byte[] received = new byte[512];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            SocketReceiveFromResult got = await relay.ReceiveFromAsync(received, SocketFlags.None, from, Timeout);
            byte[] header = Header(0, destination);
            Assert.Equal(Convert.ToHexString([.. header, .. "ping"u8]), Convert.ToHexString(received, 0, got.ReceivedBytes));
            EndPoint client = got.RemoteEndPoint;

            // Dropped: a fragment, a reply from another source port, one from another address, a bad RSV, a
            // header cut short. Then the datagram from the destination.
            await SendToAsync(relay, client, [.. Header(1, destination), .. "fragment"u8]);
            await SendToAsync(relay, client, [.. Header(0, new IPEndPoint(destination.Address, destination.Port + 1)), .. "other port"u8]);
            IPAddress otherAddress = destination.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Parse("127.0.0.2") : IPAddress.Parse("::2");
            await SendToAsync(relay, client, [.. Header(0, new IPEndPoint(otherAddress, destination.Port)), .. "other host"u8]);
            byte[] badRsv = Header(0, destination);
            badRsv[0] = 1;
            await SendToAsync(relay, client, [.. badRsv, .. "bad rsv"u8]);
            await SendToAsync(relay, client, header[..5]);
            await SendToAsync(relay, client, [.. header, .. "pong"u8]);

            byte[] buffer = new byte[64];
            int n = await flow.ReceiveAsync(buffer, Timeout);
            Assert.Equal("pong", Encoding.ASCII.GetString(buffer, 0, n));

            // A datagram longer than the caller's buffer is truncated, as recv does.
            await SendToAsync(relay, client, [.. header, .. "0123456789"u8]);
            n = await flow.ReceiveAsync(buffer.AsMemory(0, 4), Timeout);
            Assert.Equal("0123", Encoding.ASCII.GetString(buffer, 0, n));

            // §7: the association ends with its TCP connection, and so does the flow.
            ValueTask<int> pending = flow.ReceiveAsync(buffer, Timeout);
            closeControl.SetResult();
            await proxy.Completion.WaitAsync(Timeout);
            SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await pending);
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            await Assert.ThrowsAsync<SocketException>(async () => await flow.SendAsync("late"u8.ToArray(), Timeout));
        }
    }

    [Fact]
    public async Task ARelayOnAnotherAddressIsUsedAsGiven()
    {
        using var relay = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        int relayPort = ((IPEndPoint)relay.LocalEndPoint!).Port;
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(5, 1, 0);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(5, 3, 0, 1, 0, 0, 0, 0, 0, 0);
            await c.WriteAsync([5, 0, 0, 4, .. IPAddress.IPv6Loopback.GetAddressBytes(), (byte)(relayPort >> 8), (byte)relayPort]);
            await c.WaitForCloseAsync();
        });
        var destination = new IPEndPoint(IPAddress.Loopback, 53);

        await using IOutboundUdpFlow flow = await new Socks5Dialer(proxy.EndPoint).OpenUdpAsync(destination, Timeout);
        await flow.SendAsync("q"u8.ToArray(), Timeout);

        byte[] received = new byte[64];
        int n = await relay.ReceiveAsync(received, SocketFlags.None, Timeout);
        Assert.Equal(Convert.ToHexString([.. Header(0, destination), .. "q"u8]), Convert.ToHexString(received, 0, n));
    }

    [Fact]
    public async Task AProxyWithoutUdpAssociateFailsWithOperationNotSupported()
    {
        await using var proxy = new ScriptedSocks5Proxy(async c =>
        {
            await c.ExpectAsync(5, 1, 0);
            await c.WriteAsync(5, 0);
            await c.ExpectAsync(5, 3, 0, 1, 0, 0, 0, 0, 0, 0);
            await c.WriteAsync(5, 7, 0, 1, 0, 0, 0, 0, 0, 0);
            await c.WaitForCloseAsync();
        });

        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
            await new Socks5Dialer(proxy.EndPoint).OpenUdpAsync(new IPEndPoint(IPAddress.Loopback, 53), Timeout));
        Assert.Equal(SocketError.OperationNotSupported, e.SocketErrorCode);
        Assert.Contains("UDP ASSOCIATE", e.Message, StringComparison.Ordinal);
    }

    private static async Task SendToAsync(Socket relay, EndPoint client, byte[] datagram) =>
        await relay.SendToAsync(datagram.AsMemory(), SocketFlags.None, client);

    /// <summary>RFC 1928 §7: RSV RSV FRAG ATYP DST.ADDR DST.PORT.</summary>
    internal static byte[] Header(byte fragment, IPEndPoint endPoint)
    {
        byte[] address = endPoint.Address.GetAddressBytes();
        byte[] header = new byte[4 + address.Length + 2];
        header[2] = fragment;
        header[3] = (byte)(address.Length == 4 ? 1 : 4);
        address.CopyTo(header, 4);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4 + address.Length), (ushort)endPoint.Port);
        return header;
    }
}
