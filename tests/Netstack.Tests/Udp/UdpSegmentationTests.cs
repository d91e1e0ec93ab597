using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Tests.Stack;
using Netstack.Wire;

namespace Netstack.Tests.Udp;

/// <summary>UDP GSO (<see cref="UdpSocket.SendSegmentSize"/>, Linux UDP_SEGMENT): split by the stack, by the link, or sent one by one.</summary>
public class UdpSegmentationTests
{
    private const int SegmentSize = 1000;
    private const int SenderPort = 5555;
    private const int ReceiverPort = 9000;

    private static byte[] Payload(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    private static async Task<List<byte[]>> ReceiveAll(UdpSocket socket, int count)
    {
        var received = new List<byte[]>();
        byte[] buffer = new byte[65536];
        for (int i = 0; i < count; i++)
        {
            ValueTask<UdpReceiveFromResult> pending = socket.ReceiveFromAsync(buffer);
            Assert.True(pending.IsCompleted, $"only {i} of {count} datagrams arrived");
            UdpReceiveFromResult r = await pending;
            received.Add(buffer.AsSpan(0, r.ReceivedBytes).ToArray());
        }
        Assert.Equal(0, socket.Available);
        return received;
    }

    /// <summary>Sends <paramref name="payload"/> as datagrams of <see cref="SegmentSize"/>, one call each.</summary>
    private static async Task SendOneByOne(UdpSocket sender, byte[] payload, IPEndPoint to)
    {
        for (int offset = 0; offset < payload.Length; offset += SegmentSize)
        {
            await sender.SendToAsync(payload.AsMemory(offset, Math.Min(SegmentSize, payload.Length - offset)), to);
        }
    }

    private static UdpSocket CoalescingReceiver(NetStack stack)
    {
        UdpSocket receiver = stack.CreateUdpSocket(AddressFamily.InterNetwork);
        receiver.Bind(new IPEndPoint(IPAddress.Any, ReceiverPort));
        receiver.ReceiveCoalesced = true;
        return receiver;
    }

    private static void AssertChunks(byte[] payload, List<byte[]> datagrams)
    {
        Assert.Equal((payload.Length + SegmentSize - 1) / SegmentSize, datagrams.Count);
        for (int i = 0; i < datagrams.Count; i++)
        {
            Assert.True(payload.AsSpan(i * SegmentSize, Math.Min(SegmentSize, payload.Length - i * SegmentSize)).SequenceEqual(datagrams[i]), $"datagram {i} differs");
        }
    }

    /// <summary>What A writes to the link when it sends <paramref name="payload"/> to B, with or without a segment size.</summary>
    private static async Task<List<byte[]>> WireOf(bool v6, byte[] payload, int segmentSize, List<byte[]>? receivedAtB = null)
    {
        using var net = new TwoStacks(tap: true);
        var wire = new List<byte[]>();
        net.TapA!.Filter = p =>
        {
            wire.Add(p.Span.ToArray());
            return true;
        };
        AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        await using UdpSocket receiver = net.B.CreateUdpSocket(family);
        receiver.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, ReceiverPort));
        await using UdpSocket sender = net.A.CreateUdpSocket(family);
        sender.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, SenderPort));
        var to = new IPEndPoint((v6 ? TwoStacks.B6 : TwoStacks.B4).ToIPAddress(), ReceiverPort);
        if (segmentSize > 0)
        {
            sender.SendSegmentSize = segmentSize;
            Assert.Equal(payload.Length, await sender.SendToAsync(payload, to));
        }
        else
        {
            await SendOneByOne(sender, payload, to);
        }
        net.Pump();
        receivedAtB?.AddRange(await ReceiveAll(receiver, (payload.Length + SegmentSize - 1) / SegmentSize));
        return wire;
    }

    [Theory]
    [InlineData(false, 10_500)]
    [InlineData(true, 10_500)]
    [InlineData(false, 8 * SegmentSize)]
    [InlineData(true, 1001)]
    public async Task Software_split_equals_the_datagrams_sent_one_by_one(bool v6, int length)
    {
        byte[] payload = Payload(length);
        var received = new List<byte[]>();
        List<byte[]> split = await WireOf(v6, payload, SegmentSize, received);
        List<byte[]> oneByOne = await WireOf(v6, payload, 0);

        AssertChunks(payload, received);
        Assert.Equal(oneByOne.Count, split.Count);
        for (int i = 0; i < split.Count; i++)
        {
            // Byte for byte, IPv4 identifications and UDP checksums included.
            Assert.True(oneByOne[i].AsSpan().SequenceEqual(split[i]), $"packet {i} of {split.Count} differs");
        }
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public async Task A_link_with_uso_carries_one_super_datagram_and_the_receiver_gets_every_datagram(bool v6, bool rxChecksumOffload)
    {
        var pool = new PacketPool();
        LinkCapabilities caps = LinkCapabilities.UdpGso | LinkCapabilities.TxChecksumOffload
            | (rxChecksumOffload ? LinkCapabilities.RxChecksumOffload : LinkCapabilities.None);
        using (ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { Capabilities = caps, DispatchMode = ChannelDispatchMode.Manual }))
        using (var a = new NetStack(new NetStackOptions { Pool = pool, TimeProvider = new ManualTimeProvider() }))
        using (var b = new NetStack(new NetStackOptions { Pool = pool, TimeProvider = new ManualTimeProvider() }))
        {
            a.AddInterface(pair.A, "10.9.0.1/24", "fd00:9::1/64");
            b.AddInterface(pair.B, "10.9.0.2/24", "fd00:9::2/64");
            AddressFamily family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            await using UdpSocket receiver = b.CreateUdpSocket(family);
            receiver.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, ReceiverPort));
            await using UdpSocket sender = a.CreateUdpSocket(family);
            sender.SendSegmentSize = SegmentSize;
            byte[] payload = Payload(40 * SegmentSize + 123);

            await sender.SendToAsync(payload, new IPEndPoint((v6 ? TwoStacks.B6 : TwoStacks.B4).ToIPAddress(), ReceiverPort));
            pair.PumpUntilIdle();

            Assert.Equal(1, pair.A.TxPackets);
            AssertChunks(payload, await ReceiveAll(receiver, 41));
            Assert.Equal(41, b.GetStatistics().Udp.InDatagrams);
            Assert.Equal(41, a.GetStatistics().Udp.OutDatagrams);
            Assert.Equal(0, b.GetStatistics().Udp.InErrors);
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task Without_any_gso_the_datagrams_go_one_by_one()
    {
        var pool = new PacketPool();
        using (ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Manual }))
        using (var a = new NetStack(new NetStackOptions { Pool = pool, Gso = false }))
        using (var b = new NetStack(new NetStackOptions { Pool = pool }))
        {
            a.AddInterface(pair.A, "10.9.0.1/24");
            b.AddInterface(pair.B, "10.9.0.2/24");
            await using UdpSocket receiver = b.CreateUdpSocket(AddressFamily.InterNetwork);
            receiver.Bind(new IPEndPoint(IPAddress.Any, ReceiverPort));
            await using UdpSocket sender = a.CreateUdpSocket(AddressFamily.InterNetwork);
            sender.SendSegmentSize = SegmentSize;
            byte[] payload = Payload(5 * SegmentSize + 1);

            await sender.SendToAsync(payload, new IPEndPoint(IPAddress.Parse("10.9.0.2"), ReceiverPort));
            pair.PumpUntilIdle();

            Assert.Equal(6, pair.A.TxPackets);
            AssertChunks(payload, await ReceiveAll(receiver, 6));
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Theory]
    [InlineData(1473, 3000)] // a datagram of 1473 + 28 bytes of headers does not fit the MTU of 1500
    [InlineData(100, 129 * 100)] // more than 128 segments
    public async Task Impossible_segmentations_are_refused(int segmentSize, int length)
    {
        using var net = new TwoStacks();
        await using UdpSocket sender = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        sender.SendSegmentSize = segmentSize;
        var e = await Assert.ThrowsAsync<SocketException>(async () => await sender.SendToAsync(new byte[length], new IPEndPoint(TwoStacks.B4.ToIPAddress(), ReceiverPort)));
        Assert.Equal(SocketError.InvalidArgument, e.SocketErrorCode);
        Assert.Equal(1, net.A.GetStatistics().Udp.SndbufErrors);
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.SendSegmentSize = -1);
    }
    [Fact]
    public async Task A_coalescing_socket_gets_runs_of_equal_datagrams_in_one_receive()
    {
        using var net = new TwoStacks();
        await using UdpSocket receiver = CoalescingReceiver(net.B);
        await using UdpSocket sender = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        await using UdpSocket other = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        var to = new IPEndPoint(TwoStacks.B4.ToIPAddress(), ReceiverPort);
        byte[] payload = Payload(10 * SegmentSize + 300);
        await SendOneByOne(sender, payload, to);
        await sender.SendToAsync(new byte[SegmentSize], to); // after a shorter one: a new run
        await other.SendToAsync(new byte[SegmentSize], to); // another sender: never merged
        await sender.SendToAsync(new byte[SegmentSize + 1], to); // longer than the run: a new one
        net.Pump();

        byte[] buffer = new byte[65536];
        UdpReceiveFromResult run = await receiver.ReceiveFromAsync(buffer);
        Assert.Equal(payload.Length, run.ReceivedBytes);
        Assert.Equal(SegmentSize, run.SegmentSize);
        Assert.True(payload.AsSpan().SequenceEqual(buffer.AsSpan(0, run.ReceivedBytes)));
        foreach ((int bytes, int port) in new[] { (SegmentSize, sender.LocalEndPoint!.Port), (SegmentSize, other.LocalEndPoint!.Port), (SegmentSize + 1, sender.LocalEndPoint.Port) })
        {
            UdpReceiveFromResult single = await receiver.ReceiveFromAsync(buffer);
            Assert.Equal(bytes, single.ReceivedBytes);
            Assert.Equal(0, single.SegmentSize);
            Assert.Equal(port, single.RemoteEndPoint.Port);
        }
        Assert.Equal(0, receiver.Available);
        Assert.Equal(14, net.B.GetStatistics().Udp.InDatagrams);
    }

    [Fact]
    public async Task A_coalesced_run_is_never_cut_inside_a_datagram()
    {
        using var net = new TwoStacks();
        await using UdpSocket receiver = CoalescingReceiver(net.B);
        await using UdpSocket sender = net.A.CreateUdpSocket(AddressFamily.InterNetwork);
        byte[] payload = Payload(5 * SegmentSize + 300);
        await SendOneByOne(sender, payload, new IPEndPoint(TwoStacks.B4.ToIPAddress(), ReceiverPort));
        net.Pump();

        var got = new List<byte>();
        byte[] buffer = new byte[2500]; // two datagrams and a half
        var sizes = new List<(int Bytes, int Segment)>();
        while (receiver.Available > 0)
        {
            UdpReceiveFromResult r = await receiver.ReceiveFromAsync(buffer);
            sizes.Add((r.ReceivedBytes, r.SegmentSize));
            got.AddRange(buffer.AsSpan(0, r.ReceivedBytes).ToArray());
        }
        Assert.Equal([(2000, SegmentSize), (2000, SegmentSize), (1300, SegmentSize)], sizes);
        Assert.True(payload.AsSpan().SequenceEqual(got.ToArray()));
    }

    [Fact]
    public async Task A_coalescing_socket_takes_a_super_datagram_whole()
    {
        var pool = new PacketPool();
        LinkCapabilities caps = LinkCapabilities.UdpGso | LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload;
        using (ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { Capabilities = caps, DispatchMode = ChannelDispatchMode.Manual }))
        using (var a = new NetStack(new NetStackOptions { Pool = pool }))
        using (var b = new NetStack(new NetStackOptions { Pool = pool }))
        {
            a.AddInterface(pair.A, "10.9.0.1/24");
            b.AddInterface(pair.B, "10.9.0.2/24");
            await using UdpSocket receiver = CoalescingReceiver(b);
            await using UdpSocket sender = a.CreateUdpSocket(AddressFamily.InterNetwork);
            sender.SendSegmentSize = SegmentSize;
            byte[] payload = Payload(40 * SegmentSize + 123);
            byte[] buffer = new byte[65536];
            ValueTask<UdpReceiveFromResult> waiting = receiver.ReceiveFromAsync(buffer.AsMemory(0, 3 * SegmentSize + 10));

            await sender.SendToAsync(payload, new IPEndPoint(IPAddress.Parse("10.9.0.2"), ReceiverPort));
            pair.PumpUntilIdle();

            // The waiting reader's buffer holds three datagrams: it gets them, the rest stays queued in one piece.
            UdpReceiveFromResult first = await waiting;
            Assert.Equal((3 * SegmentSize, SegmentSize), (first.ReceivedBytes, first.SegmentSize));
            UdpReceiveFromResult rest = await receiver.ReceiveFromAsync(buffer.AsMemory(3 * SegmentSize));
            Assert.Equal((37 * SegmentSize + 123, SegmentSize), (rest.ReceivedBytes, rest.SegmentSize));
            Assert.True(payload.AsSpan().SequenceEqual(buffer.AsSpan(0, payload.Length)));
            Assert.Equal(41, b.GetStatistics().Udp.InDatagrams);
        }
        Assert.Equal(0, pool.Outstanding);
    }
}
