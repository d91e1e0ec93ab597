using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

public class PortManagerTests
{
    private static readonly NetAddress Local = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress RemoteA = NetAddress.Parse("10.9.0.2");
    private static readonly NetAddress RemoteB = NetAddress.Parse("10.9.0.3");

    private static PortManager Create(int seed) => new(StackSecret.Create(seed));

    [Fact]
    public void Ephemeral_ports_are_distinct_and_in_the_linux_range()
    {
        PortManager ports = Create(1);
        var seen = new HashSet<ushort>();
        for (int i = 0; i < 5000; i++)
        {
            ushort p = ports.ReserveEphemeral(6, Local, RemoteA, 80);
            Assert.InRange(p, PortManager.DefaultFirst, PortManager.DefaultLast);
            Assert.True(seen.Add(p));
        }
    }

    [Fact]
    public void Ports_are_not_sequential_and_differ_between_secrets()
    {
        ushort a = Create(1).ReserveEphemeral(17, Local, RemoteA, 53);
        ushort b = Create(2).ReserveEphemeral(17, Local, RemoteA, 53);
        Assert.NotEqual(a, b);
        PortManager one = Create(3);
        ushort x = one.ReserveEphemeral(17, Local, RemoteA, 53);
        ushort y = one.ReserveEphemeral(17, Local, RemoteB, 53);
        Assert.NotEqual(x + 1, y);
    }

    [Fact]
    public void Exhaustion_returns_zero_and_release_frees()
    {
        PortManager ports = Create(4);
        int count = PortManager.DefaultLast - PortManager.DefaultFirst + 1;
        ushort last = 0;
        for (int i = 0; i < count; i++)
        {
            last = ports.ReserveEphemeral(17, Local, default, 0);
            Assert.NotEqual(0, last);
        }
        Assert.Equal(0, ports.ReserveEphemeral(17, Local, default, 0));
        ports.Release(17, Local, last);
        Assert.Equal(last, ports.ReserveEphemeral(17, Local, default, 0));
    }

    [Fact]
    public void Wildcard_conflicts_with_specific_addresses()
    {
        PortManager ports = Create(5);
        NetAddress a = NetAddress.Parse("10.9.0.1");
        NetAddress b = NetAddress.Parse("10.9.0.2");
        Assert.True(ports.TryReserve(17, a, 5000));
        Assert.False(ports.TryReserve(17, a, 5000));
        Assert.True(ports.TryReserve(17, b, 5000));
        Assert.False(ports.TryReserve(17, NetAddress.AnyV4, 5000));
        Assert.True(ports.TryReserve(6, NetAddress.AnyV4, 5000)); // other protocol
        Assert.True(ports.TryReserve(17, NetAddress.AnyV6, 5000)); // other family
        Assert.False(ports.TryReserve(6, a, 5000));
        ports.Release(17, a, 5000);
        ports.Release(17, b, 5000);
        Assert.True(ports.TryReserve(17, NetAddress.AnyV4, 5000));
    }

    [Fact]
    public void Connections_to_different_destinations_share_local_ports()
    {
        PortManager ports = Create(6);
        ports.SetEphemeralRange(40000, 40063);
        var table = new FourTupleTable();
        for (int i = 0; i < 64; i++)
        {
            Assert.NotEqual(0, table.Connect(ports, Local, RemoteA, 80));
            Assert.NotEqual(0, table.Connect(ports, Local, RemoteA, 81)); // another remote port is another destination
            Assert.NotEqual(0, table.Connect(ports, Local, RemoteB, 80));
        }
        Assert.Equal(3 * 64, table.Count);
        Assert.Equal(0, table.Connect(ports, Local, RemoteA, 80)); // every port is taken towards this destination
        Assert.Equal(64, ports.Count);
        Assert.Equal(3, ports.ConnectionUsers(6, Local, 40000));
    }

    [Fact]
    public void A_four_tuple_in_time_wait_holds_its_port_for_that_destination_only()
    {
        PortManager ports = Create(7);
        ports.SetEphemeralRange(45000, 45000);
        var table = new FourTupleTable();
        Assert.Equal(45000, table.Connect(ports, Local, RemoteA, 80));
        // The connection to A closed and sits in TIME-WAIT: its four-tuple stays in the table, its port stays counted.
        Assert.Equal(0, table.Connect(ports, Local, RemoteA, 80));
        Assert.Equal(45000, table.Connect(ports, Local, RemoteB, 80));
        // TIME-WAIT ends: the four-tuple leaves the table and the port is given back.
        table.Remove(Local, 45000, RemoteA, 80);
        ports.ReleaseConnection(6, Local, 45000);
        Assert.Equal(1, ports.ConnectionUsers(6, Local, 45000));
        Assert.Equal(45000, table.Connect(ports, Local, RemoteA, 80));
    }

    [Fact]
    public void The_next_connection_to_a_destination_does_not_reuse_the_port_just_freed()
    {
        PortManager ports = Create(8);
        var table = new FourTupleTable();
        ushort first = table.Connect(ports, Local, RemoteA, 443);
        table.Remove(Local, first, RemoteA, 443);
        ports.ReleaseConnection(6, Local, first);
        ushort second = table.Connect(ports, Local, RemoteA, 443);
        // RFC 6056 §3.3.4: table[index] moved on, so the four-tuple of a closed connection is not reused at once.
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Listeners_and_connections_never_share_a_port()
    {
        PortManager ports = Create(9);
        ports.SetEphemeralRange(50000, 50001);
        var table = new FourTupleTable();
        Assert.True(ports.TryReserve(6, Local, 50000)); // a listener on the local address
        Assert.True(ports.TryReserve(6, NetAddress.AnyV4, 50001)); // a listener on every address
        Assert.Equal(0, table.Connect(ports, Local, RemoteA, 80));
        ports.Release(6, NetAddress.AnyV4, 50001);
        Assert.Equal(50001, table.Connect(ports, Local, RemoteA, 80));
        // A port connections use cannot be reserved exclusively, on that address or on the wildcard.
        Assert.False(ports.TryReserve(6, Local, 50001));
        Assert.False(ports.TryReserve(6, NetAddress.AnyV4, 50001));
        Assert.True(ports.TryReserve(6, NetAddress.Parse("10.9.0.9"), 50001)); // another local address
        Assert.True(ports.TryReserve(17, Local, 50001)); // another protocol
        Assert.Equal(0, ports.ReserveEphemeral(6, Local, default, 0)); // nor picked for a listener on port 0
        table.Remove(Local, 50001, RemoteA, 80);
        ports.ReleaseConnection(6, Local, 50001);
        Assert.True(ports.TryReserve(6, Local, 50001));
    }

    [Fact]
    public void First_ports_of_many_destinations_spread_over_the_range()
    {
        PortManager ports = Create(10);
        var table = new FourTupleTable();
        const int buckets = 16;
        const int destinations = 8000;
        var histogram = new int[buckets];
        int range = PortManager.DefaultLast - PortManager.DefaultFirst + 1;
        for (int i = 0; i < destinations; i++)
        {
            NetAddress remote = new((UInt128)(0x0A0A0000u + (uint)i), false);
            ushort port = table.Connect(ports, Local, remote, 443);
            histogram[(port - PortManager.DefaultFirst) * buckets / range]++;
        }
        // 500 expected per bucket; a keyed hash keeps each within 20 % (a chi-square far below its 1e-6 quantile).
        Assert.All(histogram, n => Assert.InRange(n, 400, 600));
    }

    /// <summary>The transport's connection table as the claim callback sees it: a four-tuple is taken or free.</summary>
    private sealed class FourTupleTable
    {
        private readonly HashSet<(NetAddress, ushort, NetAddress, ushort)> _tuples = [];

        public int Count => _tuples.Count;

        public ushort Connect(PortManager ports, NetAddress local, NetAddress remote, ushort remotePort) =>
            ports.ReserveForConnection(6, local, remote, remotePort, static (s, port) => s.Table._tuples.Add((s.Local, port, s.Remote, s.RemotePort)), (Table: this, Local: local, Remote: remote, RemotePort: remotePort));

        public void Remove(NetAddress local, ushort port, NetAddress remote, ushort remotePort) => Assert.True(_tuples.Remove((local, port, remote, remotePort)));
    }
}
