using Netstack.Buffers;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// Disposing a stack ends its TCP connections and gives every pooled buffer they hold back to the pool, whatever
/// state the application left them in. Found by the "stack" fuzz target: a connection closed by the application
/// (FIN-WAIT-1) with out-of-order data in its reassembly queue kept that segment's buffer after the stack was gone.
/// </summary>
public sealed class TcpStackDisposalTests
{
    private const ushort StackPort = 80;
    private const ushort PeerPort = 40000;
    private const uint PeerIsn = 1000;
    private static readonly NetAddress PeerAddress = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress StackAddress = NetAddress.Parse("10.9.0.2");

    [Theory]
    [InlineData(true, false)]  // closed by the application, out-of-order data held: FIN-WAIT-1
    [InlineData(false, false)] // never closed, out-of-order data held
    [InlineData(false, true)]  // never closed, unread in-order data
    public void Disposing_the_stack_releases_what_its_connections_hold(bool close, bool inOrder)
    {
        var pool = new PacketPool();
        var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider(), Pool = pool, RandomSeed = 3 });
        ChannelLinkPair link = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Inline });
        stack.AddInterface(link.A, "10.9.0.2/24");
        var peer = new RawTcpPeer(link.B, pool, PeerAddress, StackAddress);
        TcpListenSocket listener = TcpProtocol.For(stack).Listen(StackAddress, StackPort, 4, null);
        peer.Send(PeerPort, StackPort, PeerIsn, 0, TcpFlags.Syn);
        uint stackIsn = peer.Last(PeerPort).Seq;
        peer.Send(PeerPort, StackPort, PeerIsn + 1, stackIsn + 1, TcpFlags.Ack);
        TcpEndpoint? endpoint = listener.TryAccept(false, out _);
        Assert.NotNull(endpoint);
        uint seq = PeerIsn + 1 + (inOrder ? 0u : 100u);
        peer.Send(PeerPort, StackPort, seq, stackIsn + 1, TcpFlags.Ack, [1, 2, 3, 4]);
        Assert.True(pool.Outstanding > 0, "the connection should hold the segment");
        if (close)
        {
            endpoint.Close();
            Assert.Equal(TcpConnectionState.FinWait1, endpoint.State);
        }

        stack.Dispose();
        link.Dispose();

        Assert.Equal(TcpConnectionState.Closed, endpoint.State);
        Assert.Equal(0, pool.Outstanding);
    }
}
