using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;
using Xunit.Abstractions;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Issue 11, "memory bounded under attack": a peer sends 1-byte segments into the holes of 1 MiB windows on 1,000
/// connections, each segment arriving in its own 64 KiB block (as a vnet_hdr TUN read rents them). Charged by payload,
/// each byte would pin a 64 KiB block; charged by the blocks held, with small segments copied into right-sized ones,
/// the stack's receive memory stays under its limit, and the connections still carry their data afterwards.
/// </summary>
public sealed class TcpReceiveMemoryAttackTests(ITestOutputHelper output)
{
    private const int Connections = 1000;
    private const int Window = 1 << 20;
    private const int Stride = 8192; // one byte every 8 KiB: 128 one-byte segments, and a hole before each, per connection
    private const long Limit = 16L << 20;
    private const int Mtu = 65535; // an in-memory link with loopback's MTU: the fill moves a window in 16 segments
    private const ushort StackPort = 80;
    private const uint PeerIsn = 1_000_000;
    private static readonly NetAddress PeerAddress = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress StackAddress = NetAddress.Parse("10.9.0.2");

    // MSS 1460, NOP + window scale 7, NOP NOP + SACK permitted.
    private static readonly byte[] SynOptions = [2, 4, 0x05, 0xB4, 1, 3, 3, 7, 1, 1, 4, 2];

    [Fact]
    public void One_byte_segments_in_the_holes_of_1000_windows_stay_under_the_stack_limit_and_the_connections_still_work()
    {
        var pool = new PacketPool();
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider(), Pool = pool, RandomSeed = 11, TcpReceiveMemoryLimit = Limit });
        using ChannelLinkPair link = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Inline, Mtu = Mtu, GsoMaxSize = Mtu, Capabilities = LinkCapabilities.RxChecksumOffload }); // so the peer's "checksum verified" counts
        stack.AddInterface(link.A, "10.9.0.2/24");
        var peer = new RawTcpPeer(link.B, pool, PeerAddress, StackAddress) { BlockSize = 65536, ChecksumVouched = true };
        TcpProtocol tcp = TcpProtocol.For(stack);
        TcpListenSocket listener = tcp.Listen(StackAddress, StackPort, Connections, new TcpEndpointOptions { ReceiveBufferSize = Window, ReceiveBufferAutoTuning = false });

        var endpoints = new TcpEndpoint[Connections];
        var stackIsn = new uint[Connections];
        for (int i = 0; i < Connections; i++)
        {
            (endpoints[i], stackIsn[i]) = Handshake(peer, listener, PeerPort(i));
        }
        long idle = pool.OutstandingBytes;

        long peak = 0;
        int[] order = new int[Window / Stride];
        for (int i = 0; i < Connections; i++)
        {
            Shuffle(order, new Random(i));
            foreach (int k in order)
            {
                int offset = k * Stride + 1; // byte 0 stays a hole, so none of this is in order
                peer.Send(PeerPort(i), StackPort, PeerIsn + 1 + (uint)offset, stackIsn[i] + 1, TcpFlags.Ack, Data(i, offset, 1));
            }
            long held = tcp.Statistics.ReceiveMemory;
            peak = Math.Max(peak, pool.OutstandingBytes - idle);
            Assert.True(held <= Limit, $"after {i + 1} connections TCP holds {held} bytes of receive memory, over the {Limit} limit");
            Assert.True(pool.OutstandingBytes - idle <= Limit, $"after {i + 1} connections the pool has {pool.OutstandingBytes - idle} bytes out, over the {Limit} limit");
        }
        TcpStatisticsSnapshot attacked = stack.GetStatistics().Tcp;
        output.WriteLine($"attack: {attacked.TCPOFOQueue} one-byte segments held at some point, {attacked.TCPOFODrop} dropped, {attacked.PruneCalled} prunes " +
            $"({attacked.OfoPruned} pruning out-of-order data), {attacked.TCPRcvCollapsed} copied out of 64 KiB blocks; receive memory {attacked.ReceiveMemory} bytes, " +
            $"pool bytes out {pool.OutstandingBytes - idle} (peak {peak}), limit {Limit}");
        Assert.Equal(pool.OutstandingBytes - idle, attacked.ReceiveMemory); // the stack's accounting is the pool's truth
        Assert.True(attacked.TCPRcvCollapsed > 0 && attacked.TCPOFODrop > 0 && attacked.PruneCalled > 0);
        Assert.True(attacked.ReceiveMemory > Limit / 2, "the attack should have filled most of the limit");

        byte[] read = new byte[Window];
        for (int i = 0; i < Connections; i++)
        {
            FillAndVerify(peer, endpoints[i], i, stackIsn[i], read);
        }
        TcpStatisticsSnapshot after = stack.GetStatistics().Tcp;
        output.WriteLine($"after the fill: receive memory {after.ReceiveMemory} bytes, pool bytes out {pool.OutstandingBytes - idle}, in-order segments pruned {after.RcvPruned}");
        Assert.Equal(0, after.ReceiveMemory);
        Assert.Equal(idle, pool.OutstandingBytes);
        listener.Close();
    }

    private static (TcpEndpoint Endpoint, uint StackIsn) Handshake(RawTcpPeer peer, TcpListenSocket listener, ushort port)
    {
        peer.Send(port, StackPort, PeerIsn, 0, TcpFlags.Syn, options: SynOptions);
        RawTcpPeer.Received synAck = peer.Last(port);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        peer.Send(port, StackPort, PeerIsn + 1, synAck.Seq + 1, TcpFlags.Ack);
        TcpEndpoint? endpoint = listener.TryAccept(false, out _);
        Assert.NotNull(endpoint);
        return (endpoint, synAck.Seq);
    }

    /// <summary>
    /// The peer sends the whole first megabyte in order, within the window the stack offers (probing it with one byte when
    /// it is closed), and the application reads as it arrives: every byte must come out right.
    /// </summary>
    private static void FillAndVerify(RawTcpPeer peer, TcpEndpoint endpoint, int connection, uint stackIsn, byte[] read)
    {
        const int MaxSegment = Mtu - 40;
        int received = 0;
        for (int rounds = 0; received < Window; rounds++)
        {
            Assert.True(rounds < 4 * Window / 1024, $"connection {connection} stalled at {received} of {Window} bytes: {endpoint.GetInfo()}");
            // From the first byte not yet delivered (whatever the stack dropped is sent again), within the window offered.
            int length = (int)Math.Min(Math.Min(MaxSegment, Window - received), Math.Max(1, endpoint.GetInfo().ReceiveWindow));
            peer.Send(PeerPort(connection), StackPort, PeerIsn + 1 + (uint)received, stackIsn + 1, TcpFlags.Ack, Data(connection, received, length));
            int n;
            while ((n = endpoint.Receive(read.AsSpan(received), false, out _, out _)) > 0)
            {
                Assert.True(read.AsSpan(received, n).SequenceEqual(Data(connection, received, n)), $"connection {connection}: bytes {received}..{received + n} differ");
                received += n;
            }
        }
    }

    private static ushort PeerPort(int connection) => (ushort)(20000 + connection);

    /// <summary>Connection <paramref name="connection"/>'s bytes from <paramref name="offset"/>: the pattern rotated by a start of its own.</summary>
    private static ReadOnlySpan<byte> Data(int connection, int offset, int length) => Pattern.AsSpan(connection * 4099 % Window + offset, length);

    private static readonly byte[] Pattern = MakePattern();

    private static byte[] MakePattern()
    {
        var pattern = new byte[2 * Window];
        new Random(3).NextBytes(pattern.AsSpan(0, Window));
        pattern.AsSpan(0, Window).CopyTo(pattern.AsSpan(Window));
        return pattern;
    }

    private static void Shuffle(int[] order, Random random)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        random.Shuffle(order);
    }
}
