using System.Net.Sockets;
using System.Net;
using Netstack.Sockets;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Udp;

public class UdpAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Steady_state_udp_allocates_nothing_per_packet(bool v6)
    {
        using var net = new TwoStacks();
        AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        using UdpSocket server = net.B.CreateUdpSocket(family);
        server.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 9000));
        using UdpSocket client = net.A.CreateUdpSocket(family);
        client.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 9001));
        NetAddress serverAddress = v6 ? TwoStacks.B6 : TwoStacks.B4;
        byte[] payload = new byte[512];
        byte[] buffer = new byte[2048];

        int failures = 0;
        // No xunit asserts inside the measured loop: their comparers allocate.
        void RoundTrip()
        {
            failures += client.SendTo(payload, serverAddress, 9000) == SocketError.Success ? 0 : 1;
            net.Pump();
            failures += server.TryReceiveFrom(buffer, out int n, out NetAddress from, out ushort port) ? 0 : 1;
            failures += server.SendTo(buffer.AsSpan(0, n), from, port) == SocketError.Success ? 0 : 1;
            net.Pump();
            failures += client.TryReceiveFrom(buffer, out _, out _, out _) ? 0 : 1;
        }

        long allocated = MeasureRoundTrips(RoundTrip, out int rounds);
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.Equal(WarmUpRoundTrips + (5000 * rounds), net.B.GetStatistics().Udp.InDatagrams);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Socket_address_api_allocates_nothing_per_datagram(bool v6)
    {
        using var net = new TwoStacks();
        AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        using UdpSocket server = net.B.CreateUdpSocket(family);
        server.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 9000));
        using UdpSocket client = net.A.CreateUdpSocket(family);
        client.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 9001));
        SocketAddress serverAddress = new IPEndPoint((v6 ? TwoStacks.B6 : TwoStacks.B4).ToIPAddress(), 9000).Serialize();
        var fromClient = new SocketAddress(family);
        var fromServer = new SocketAddress(family);
        byte[] payload = new byte[512];
        byte[] buffer = new byte[2048];
        byte[] reply = new byte[2048];

        int failures = 0;
        // Only the public API, both ways a receive completes: from the queue (the server) and by an arrival while it
        // waits (the client). No xunit asserts inside the measured loop: their comparers allocate.
        void RoundTrip()
        {
            ValueTask<int> sent = client.SendToAsync(payload, SocketFlags.None, serverAddress);
            failures += sent.IsCompletedSuccessfully && sent.Result == payload.Length ? 0 : 1;
            net.Pump();
            ValueTask<int> received = server.ReceiveFromAsync(buffer, SocketFlags.None, fromClient);
            int n = received.IsCompletedSuccessfully ? received.Result : -1;
            failures += n == payload.Length ? 0 : 1;
            ValueTask<int> waiting = client.ReceiveFromAsync(reply, SocketFlags.None, fromServer);
            failures += waiting.IsCompleted ? 1 : 0;
            ValueTask<int> echoed = server.SendToAsync(buffer.AsMemory(0, Math.Max(n, 0)), SocketFlags.None, fromClient);
            failures += echoed.IsCompletedSuccessfully && echoed.Result == n ? 0 : 1;
            net.Pump();
            failures += waiting.IsCompletedSuccessfully && waiting.GetAwaiter().GetResult() == payload.Length ? 0 : 1;
        }

        long allocated = MeasureRoundTrips(RoundTrip, out int rounds);
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.Equal(WarmUpRoundTrips + (5000 * rounds), net.B.GetStatistics().Udp.InDatagrams);
        Assert.Equal(WarmUpRoundTrips + (5000 * rounds), net.A.GetStatistics().Udp.InDatagrams);
        Assert.Equal(new IPEndPoint((v6 ? TwoStacks.A6 : TwoStacks.A4).ToIPAddress(), 9001), new IPEndPoint(IPAddress.Any, 0).Create(fromClient));
        Assert.Equal(serverAddress, fromServer);
    }

    private const int WarmUpRoundTrips = 200;

    /// <summary>
    /// Bytes allocated by 5,000 round trips (10,000 datagrams) once <see cref="WarmUpRoundTrips"/> have warmed up
    /// pools, dictionaries, thread statics and JIT tiers; <paramref name="rounds"/> is how many times the 5,000 ran.
    /// </summary>
    private static long MeasureRoundTrips(Action roundTrip, out int rounds)
    {
        for (int i = 0; i < WarmUpRoundTrips; i++)
        {
            roundTrip();
        }
        return SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 5000; i++)
            {
                roundTrip();
            }
        }, out rounds);
    }
}
