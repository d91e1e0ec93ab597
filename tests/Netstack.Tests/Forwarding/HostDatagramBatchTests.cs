using System.Net;
using System.Net.Sockets;
using Netstack.Forwarding;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// <see cref="HostDatagramSender"/> (sendmmsg, UDP_SEGMENT) and <see cref="HostDatagramReceiver"/> (recvmmsg, UDP_GRO)
/// on real loopback UDP sockets.
/// </summary>
public sealed class HostDatagramBatchTests : IDisposable
{
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _flow = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly HostForwarderStatistics _stats = new();

    public HostDatagramBatchTests()
    {
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _flow.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _flow.Connect(_peer.LocalEndPoint!);
        _peer.Connect(_flow.LocalEndPoint!);
        _peer.ReceiveTimeout = 5000;
    }

    public void Dispose()
    {
        _peer.Dispose();
        _flow.Dispose();
    }

    private int FlowFd => (int)_flow.SafeHandle.DangerousGetHandle();

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    private byte[] ReceiveAtPeer()
    {
        byte[] buffer = new byte[70000];
        int n = _peer.Receive(buffer);
        return buffer[..n];
    }

    [Fact]
    public void StagedDatagramsLeaveInOrderOnFlush()
    {
        using var sender = new HostDatagramSender(_stats);
        for (int i = 0; i < 3; i++)
        {
            sender.Add(_flow.SafeHandle, Pattern(100 + i, i), 0);
        }
        Assert.Equal(3, sender.Pending);
        Assert.Equal(0, _peer.Available); // nothing is sent before the flush

        sender.Flush();

        Assert.Equal(0, sender.Pending);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Pattern(100 + i, i), ReceiveAtPeer());
        }
        Assert.Equal(0, Interlocked.Read(ref _stats.UdpSendDropped));
    }

    [Fact]
    public void ARunWithASegmentSizeArrivesAsEqualDatagrams()
    {
        using var sender = new HostDatagramSender(_stats);
        byte[] run = Pattern(2500, 3);

        sender.Add(_flow.SafeHandle, run, 1000);
        sender.Flush();

        Assert.Equal(run[..1000], ReceiveAtPeer());
        Assert.Equal(run[1000..2000], ReceiveAtPeer());
        Assert.Equal(run[2000..], ReceiveAtPeer()); // the last one shorter (UDP_SEGMENT)
    }

    [Fact]
    public void AnotherFlowsDatagramSendsWhatTheFirstStaged()
    {
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        other.Connect(_peer.LocalEndPoint!);
        using var sender = new HostDatagramSender(_stats);

        sender.Add(_flow.SafeHandle, Pattern(10, 1), 0);
        sender.Add(other.SafeHandle, Pattern(20, 2), 0);

        Assert.Equal(Pattern(10, 1), ReceiveAtPeer()); // sent when the second flow's datagram came
        Assert.Equal(1, sender.Pending);
    }

    [Fact]
    public void DatagramsOfAFlowThatEndedAreCountedAsDropped()
    {
        using var sender = new HostDatagramSender(_stats);
        sender.Add(_flow.SafeHandle, Pattern(10, 1), 0);
        sender.Add(_flow.SafeHandle, Pattern(10, 2), 0);
        _flow.Dispose();

        sender.Flush();

        Assert.Equal(2, Interlocked.Read(ref _stats.UdpSendDropped));
    }

    [Fact]
    public void OneReceiveTakesSeveralDatagramsAndAShortCallMeansDrained()
    {
        using var receiver = new HostDatagramReceiver();
        int count = HostDatagramReceiver.Slots + 2;
        for (int i = 0; i < count; i++)
        {
            _peer.Send(Pattern(50 + i, i));
        }

        int first = receiver.Receive(FlowFd);
        Assert.Equal(HostDatagramReceiver.Slots, first);
        for (int i = 0; i < first; i++)
        {
            Assert.Equal(Pattern(50 + i, i), receiver.Datagram(i).ToArray());
            Assert.Equal(0, receiver.SegmentSize(i));
        }
        Assert.Equal(2, receiver.Receive(FlowFd));
        Assert.Equal(Pattern(50 + first, first), receiver.Datagram(0).ToArray());
        Assert.Equal(0, receiver.Receive(FlowFd)); // nothing waits: 0, not an error
    }

    [Fact]
    public void WithGroASegmentedRunArrivesWholeWithItsSegmentSize()
    {
        Assert.True(HostDatagramReceiver.EnableGro(FlowFd), "UDP_GRO needs Linux 5.0");
        using var receiver = new HostDatagramReceiver();
        using var sender = new HostDatagramSender(_stats);
        using var source = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        source.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        source.Connect(_flow.LocalEndPoint!);
        _flow.Connect(source.LocalEndPoint!);
        byte[] run = Pattern(3000, 5);

        sender.Add(source.SafeHandle, run, 1000); // loopback keeps a UDP_SEGMENT send whole for a GRO socket
        sender.Flush();

        Assert.Equal(1, receiver.Receive(FlowFd));
        Assert.Equal(run, receiver.Datagram(0).ToArray());
        Assert.Equal(1000, receiver.SegmentSize(0));
    }
}
