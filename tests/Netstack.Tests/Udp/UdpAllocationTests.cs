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

        for (int i = 0; i < 200; i++)
        {
            RoundTrip(); // warm up pools, dictionaries, thread statics, JIT tiers
        }
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 5000; i++)
            {
                RoundTrip(); // 10,000 datagrams
            }
        }, out int rounds);
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
        Assert.Equal(200 + (5000 * rounds), net.B.GetStatistics().Udp.InDatagrams);
    }
}
