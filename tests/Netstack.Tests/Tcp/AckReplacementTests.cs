using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// The ACKs a dispatcher's inbound batch makes are written when the batch ends; of several pure cumulative ACKs of one
/// connection only the last need go out (it acknowledges everything the earlier ones did, with the newer window), as a
/// receiver acknowledging a GRO super-packet sends one. Duplicate ACKs are signals (RFC 5681 §3.2 counts them), so they
/// are never replaced.
/// </summary>
public sealed class AckReplacementTests
{
    private const ushort StackPort = 80;
    private const ushort PeerPort = 40000;
    private const uint PeerIsn = 5_000;
    private const int Segment = 1000;
    private static readonly NetAddress PeerAddress = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress StackAddress = NetAddress.Parse("10.9.0.2");

    // MSS 1460, NOP + window scale 7, NOP NOP + SACK permitted.
    private static readonly byte[] SackOptions = [2, 4, 0x05, 0xB4, 1, 3, 3, 7, 1, 1, 4, 2];
    private static readonly byte[] NoSackOptions = [2, 4, 0x05, 0xB4, 1, 3, 3, 7];

    [Fact]
    public void A_batch_of_in_order_segments_is_acknowledged_by_one_ack()
    {
        using var harness = new Harness(SackOptions);
        long before = harness.Peer.ReceivedCount;

        for (int i = 0; i < 8; i++)
        {
            harness.Queue(i);
        }
        harness.Peer.Flush();

        // The first 16 segments are quick-ACKed one by one (TcpEndpointOptions.QuickAck): eight ACKs made, one written.
        Assert.Equal(1, harness.Peer.ReceivedCount - before);
        RawTcpPeer.Received ack = harness.Peer.Last(PeerPort);
        Assert.Equal(PeerIsn + 1 + 8 * Segment, ack.Ack);
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(7, harness.Stack.GetStatistics().Offload.AcksReplaced);
    }

    [Fact]
    public void Duplicate_acks_for_out_of_order_data_all_go_out_without_sack()
    {
        using var harness = new Harness(NoSackOptions);
        long before = harness.Peer.ReceivedCount;

        harness.Queue(0);
        for (int i = 2; i < 5; i++)
        {
            harness.Queue(i); // segment 1 is missing: three duplicate ACKs, the sender's fast-retransmit signal
        }
        harness.Peer.Flush();

        Assert.Equal(4, harness.Peer.ReceivedCount - before);
        Assert.Equal(PeerIsn + 1 + Segment, harness.Peer.Last(PeerPort).Ack);
        Assert.Equal(0, harness.Stack.GetStatistics().Offload.AcksReplaced);
    }

    [Fact]
    public void Acks_sent_one_batch_at_a_time_are_all_written()
    {
        using var harness = new Harness(SackOptions);
        long before = harness.Peer.ReceivedCount;

        for (int i = 0; i < 4; i++)
        {
            harness.Queue(i);
            harness.Peer.Flush();
        }

        Assert.Equal(4, harness.Peer.ReceivedCount - before);
        Assert.Equal(0, harness.Stack.GetStatistics().Offload.AcksReplaced);
    }

    private sealed class Harness : IDisposable
    {
        private readonly ChannelLinkPair _link;
        private readonly uint _stackIsn;

        public Harness(byte[] synOptions)
        {
            var pool = new PacketPool();
            // No GRO: the in-order segments must reach TCP one by one, as MTU-sized super-packets do at MTU 65520.
            Stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider(), Pool = pool, RandomSeed = 3, Gro = false });
            _link = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Inline, Mtu = 1500 });
            Stack.AddInterface(_link.A, "10.9.0.2/24");
            Peer = new RawTcpPeer(_link.B, pool, PeerAddress, StackAddress);
            TcpListenSocket listener = TcpProtocol.For(Stack).Listen(StackAddress, StackPort, 1, new TcpEndpointOptions());
            Peer.Send(PeerPort, StackPort, PeerIsn, 0, TcpFlags.Syn, options: synOptions);
            RawTcpPeer.Received synAck = Peer.Last(PeerPort);
            Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
            _stackIsn = synAck.Seq;
            Peer.Send(PeerPort, StackPort, PeerIsn + 1, _stackIsn + 1, TcpFlags.Ack);
            Assert.NotNull(listener.TryAccept(false, out _));
        }

        public NetStack Stack { get; }

        public RawTcpPeer Peer { get; }

        /// <summary>Queues the <paramref name="index"/>th 1000-byte segment of the peer's stream.</summary>
        public void Queue(int index) =>
            Peer.Queue(PeerPort, StackPort, PeerIsn + 1 + (uint)(index * Segment), _stackIsn + 1, TcpFlags.Ack, new byte[Segment]);

        public void Dispose()
        {
            Stack.Dispose();
            _link.Dispose();
        }
    }
}
