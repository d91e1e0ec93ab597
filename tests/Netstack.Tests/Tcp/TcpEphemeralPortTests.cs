using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Ephemeral ports per four-tuple (RFC 6056 §3.3.4) through whole stacks: a local port is in use only for its own
/// connection, so one local address reaches far more than the range's 28,232 connections, and TIME-WAIT holds a
/// port only towards its own destination.
/// </summary>
public class TcpEphemeralPortTests
{
    [Fact]
    public void Time_wait_holds_a_local_port_only_for_its_own_four_tuple()
    {
        using var p = new TcpPair();
        p.A.Ports.SetEphemeralRange(45000, 45000);
        using TcpConnectionListener http = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        using TcpConnectionListener other = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 81));
        TcpEndpoint first = OpenIntoTimeWait(p, http, 80);
        Assert.Equal(45000, first.Id.LocalPort);

        TcpEndpoint refused = p.TcpA.Connect(TcpPair.B4, 80, out SocketError error);
        Assert.Equal(SocketError.AddressNotAvailable, error); // the only port's four-tuple towards :80 is in TIME-WAIT
        refused.Abort();
        (TcpEndpoint second, _) = Open(p, other, 81);
        Assert.Equal(45000, second.Id.LocalPort); // towards :81 the same port is free

        p.Run(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(1));
        Assert.Equal(TcpConnectionState.Closed, first.State);
        Assert.Equal(TcpConnectionState.Established, second.State);
        (TcpEndpoint third, _) = Open(p, http, 80);
        Assert.Equal(45000, third.Id.LocalPort);
        Assert.Equal(2, p.A.Ports.ConnectionUsers(TcpProtocol.ProtocolNumber, TcpPair.A4, 45000));
        second.Abort();
        third.Abort();
        p.Pump();
        Assert.Equal(0, p.A.Ports.ConnectionUsers(TcpProtocol.ProtocolNumber, TcpPair.A4, 45000));
    }

    [Fact]
    public void With_every_port_taken_a_time_wait_four_tuple_is_recycled_a_second_after_the_peers_last_timestamp()
    {
        using var p = new TcpPair();
        p.A.Ports.SetEphemeralRange(45000, 45000);
        using TcpConnectionListener http = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        TcpEndpoint first = OpenIntoTimeWait(p, http, 80);

        TcpEndpoint early = p.TcpA.Connect(TcpPair.B4, 80, out SocketError error);
        Assert.Equal(SocketError.AddressNotAvailable, error); // within a second of the peer's last timestamp: PAWS could not tell
        early.Abort();
        Assert.Equal(TcpConnectionState.TimeWait, first.State);

        p.Run(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        (TcpEndpoint second, TcpEndpoint secondServer) = Open(p, http, 80);
        Assert.Equal(45000, second.Id.LocalPort);
        Assert.Equal(TcpConnectionState.Closed, first.State);
        Assert.Equal(1, p.A.GetStatistics().Tcp.TWRecycled);
        Assert.Equal(0, p.B.GetStatistics().Tcp.TWRecycled);
        second.Abort();
        secondServer.Abort();
        p.Pump();
        Assert.Equal(0, p.A.Ports.ConnectionUsers(TcpProtocol.ProtocolNumber, TcpPair.A4, 45000));
    }

    [Fact]
    public void Without_timestamps_time_wait_is_never_recycled()
    {
        using var p = new TcpPair();
        p.A.Ports.SetEphemeralRange(45000, 45000);
        var noTimestamps = new TcpEndpointOptions { Timestamps = false };
        using TcpConnectionListener http = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        TcpEndpoint first = OpenIntoTimeWait(p, http, 80, noTimestamps);
        p.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        Assert.Equal(TcpConnectionState.TimeWait, first.State);
        TcpEndpoint refused = p.TcpA.Connect(TcpPair.B4, 80, out SocketError error);
        Assert.Equal(SocketError.AddressNotAvailable, error); // nothing would tell an old duplicate from new data
        refused.Abort();
        Assert.Equal(0, p.A.GetStatistics().Tcp.TWRecycled);
        p.Run(TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(1));
        Assert.Equal(TcpConnectionState.Closed, first.State);
    }

    [Fact]
    public void A_connection_never_takes_a_listeners_port()
    {
        using var p = new TcpPair();
        p.A.Ports.SetEphemeralRange(45000, 45001);
        using TcpConnectionListener server = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80));
        using TcpConnectionListener local = p.A.ListenTcp(new IPEndPoint(IPAddress.Any, 45000));
        (TcpEndpoint client, _) = Open(p, server, 80);
        Assert.Equal(45001, client.Id.LocalPort);
        Assert.Throws<SocketException>(() => p.A.ListenTcp(new IPEndPoint(IPAddress.Parse("10.9.0.1"), 45001)));
        client.Abort();
        p.Pump();
    }

    [Fact]
    public void One_hundred_thousand_connections_from_one_address_to_four_destinations()
    {
        const int total = 100_000;
        const int destinations = 4;
        using var p = new TcpPair();
        var listeners = new TcpConnectionListener[destinations];
        for (int d = 0; d < destinations; d++)
        {
            listeners[d] = p.B.ListenTcp(new IPEndPoint(IPAddress.Any, 80 + d), backlog: 4096);
        }
        var clients = new TcpEndpoint[total];
        var servers = new List<TcpEndpoint>(total);
        OpenAll(p, listeners, clients, 0, total, servers);
        Assert.Equal(total, servers.Count);
        var tuples = new HashSet<FourTuple>();
        foreach (TcpEndpoint client in clients)
        {
            Assert.Equal(TcpConnectionState.Established, client.State);
            Assert.Equal(TcpPair.A4, client.Id.LocalAddress);
            Assert.True(tuples.Add(client.Id));
        }
        Assert.Equal(total, p.A.GetStatistics().Tcp.CurrEstab);
        Assert.True(p.A.Ports.Count <= 28_232); // ports shared between destinations: at most the range, for 100,000 connections

        // Close the first 1,000 from the client's side (they go to TIME-WAIT), then open 1,000 more to the same places.
        const int again = 1000;
        for (int i = 0; i < again; i++)
        {
            clients[i].Close();
        }
        p.Run(TimeSpan.FromMilliseconds(50));
        foreach (TcpEndpoint server in servers)
        {
            if (server.State == TcpConnectionState.CloseWait)
            {
                server.Close();
            }
        }
        p.Run(TimeSpan.FromMilliseconds(50));
        var closed = new HashSet<FourTuple>();
        for (int i = 0; i < again; i++)
        {
            Assert.Equal(TcpConnectionState.TimeWait, clients[i].State);
            closed.Add(clients[i].Id);
        }
        var reopened = new TcpEndpoint[again];
        OpenAll(p, listeners, reopened, 0, again, servers);
        foreach (TcpEndpoint client in reopened)
        {
            Assert.Equal(TcpConnectionState.Established, client.State);
            Assert.DoesNotContain(client.Id, closed);
            Assert.True(tuples.Add(client.Id));
        }

        p.Run(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(5)); // TIME-WAIT ends; the others stay established
        Assert.Equal(total, p.TcpA.ConnectionCount);
        foreach (TcpEndpoint client in clients.AsSpan(again))
        {
            client.Abort();
        }
        foreach (TcpEndpoint client in reopened)
        {
            client.Abort();
        }
        p.Pump();
        Assert.Equal(0, p.TcpA.ConnectionCount);
        Assert.Equal(0, p.A.Ports.Count);
        foreach (TcpConnectionListener listener in listeners)
        {
            listener.Dispose();
        }
    }

    /// <summary>Opens clients[from..to) round-robin over the listeners' ports, in rounds, accepting as they arrive.</summary>
    private static void OpenAll(TcpPair p, TcpConnectionListener[] listeners, TcpEndpoint[] clients, int from, int to, List<TcpEndpoint> servers)
    {
        const int round = 2000;
        for (int start = from; start < to; start += round)
        {
            int end = Math.Min(to, start + round);
            for (int i = start; i < end; i++)
            {
                clients[i] = p.TcpA.Connect(TcpPair.B4, (ushort)(80 + (i % listeners.Length)), out SocketError error);
                Assert.Equal(SocketError.Success, error);
            }
            p.Pump();
            foreach (TcpConnectionListener listener in listeners)
            {
                while (listener.Socket.TryAccept(false, out _) is TcpEndpoint server)
                {
                    servers.Add(server);
                }
            }
        }
    }

    /// <summary>Opens a connection to <paramref name="port"/>, closes it from the client's side first, then the server's: the client is left in TIME-WAIT.</summary>
    private static TcpEndpoint OpenIntoTimeWait(TcpPair p, TcpConnectionListener listener, ushort port, TcpEndpointOptions? options = null)
    {
        (TcpEndpoint client, TcpEndpoint server) = Open(p, listener, port, options);
        client.Close();
        p.Run(TimeSpan.FromMilliseconds(50));
        server.Close();
        p.Run(TimeSpan.FromMilliseconds(50));
        Assert.Equal(TcpConnectionState.TimeWait, client.State);
        return client;
    }

    private static (TcpEndpoint Client, TcpEndpoint Server) Open(TcpPair p, TcpConnectionListener listener, ushort port, TcpEndpointOptions? options = null)
    {
        TcpEndpoint client = p.TcpA.Connect(TcpPair.B4, port, out SocketError error, options);
        Assert.Equal(SocketError.Success, error);
        p.Pump();
        TcpEndpoint? server = listener.Socket.TryAccept(false, out _);
        Assert.NotNull(server);
        Assert.Equal(TcpConnectionState.Established, client.State);
        return (client, server);
    }
}
