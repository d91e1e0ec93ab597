using System.Buffers.Binary;
using System.Diagnostics;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Netstack.Tests.Link;

public class PcapSnifferTests(ITestOutputHelper output)
{
    // 2026-01-01T00:00:00Z, where ManualTimeProvider starts.
    private const uint Epoch2026 = 1767225600;

    /// <summary>An IPv4/UDP packet 10.9.0.{src} -> 10.9.0.{dst} with <paramref name="payload"/> bytes of payload.</summary>
    private static PacketBuffer Udp4(PacketPool pool, byte src, byte dst, int payload = 4)
    {
        PacketBuffer p = pool.Rent(28 + payload);
        Span<byte> b = p.Append(28 + payload);
        b.Clear();
        b[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], (ushort)(28 + payload));
        b[8] = 64;
        b[9] = 17;
        b[12] = 10;
        b[13] = 9;
        b[15] = src;
        b[16] = 10;
        b[17] = 9;
        b[19] = dst;
        BinaryPrimitives.WriteUInt16BigEndian(b[10..], Netstack.Wire.Checksum.Compute(b[..20]));
        BinaryPrimitives.WriteUInt16BigEndian(b[20..], 4000);
        BinaryPrimitives.WriteUInt16BigEndian(b[22..], 5000);
        BinaryPrimitives.WriteUInt16BigEndian(b[24..], (ushort)(8 + payload));
        for (int i = 0; i < payload; i++)
        {
            b[28 + i] = (byte)i;
        }
        return p;
    }

    private static PacketBatch Batch(params PacketBuffer[] packets)
    {
        var batch = new PacketBatch();
        foreach (PacketBuffer p in packets)
        {
            batch.Add(p);
        }
        return batch;
    }

    [Fact]
    public void FileAndRecordHeadersAreByteExact()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var inner = new TestLink();
        var stack = new RecordingDispatcher();
        var capture = new MemoryStream();
        var sniffer = new PcapSniffer(inner, capture, clock, leaveOpen: true);
        sniffer.Attach(stack);
        ILinkEndpoint? deliveredBy = null;
        stack.OnDeliver = (link, _) => deliveredBy = link;

        clock.Advance(TimeSpan.FromMicroseconds(1_000_250));
        PacketBuffer outbound = Udp4(pool, 1, 2);
        byte[] outboundBytes = outbound.Span.ToArray();
        sniffer.WritePackets(Batch(outbound));
        clock.Advance(TimeSpan.FromSeconds(2));
        PacketBuffer inbound = Udp4(pool, 2, 1, payload: 10);
        byte[] inboundBytes = inbound.Span.ToArray();
        inner.Receive(inbound);

        // The packets went on their way: out to the inner link, in to the stack with the sniffer as their link.
        Assert.Same(outbound, Assert.Single(inner.Written));
        Assert.Same(inbound, Assert.Single(stack.Packets));
        Assert.Same(sniffer, deliveredBy);
        sniffer.Dispose();

        byte[] file = capture.ToArray();
        byte[] expectedHeader =
        [
            0xD4, 0xC3, 0xB2, 0xA1, // magic, little-endian, microseconds
            0x02, 0x00, 0x04, 0x00, // version 2.4
            0x00, 0x00, 0x00, 0x00, // thiszone
            0x00, 0x00, 0x00, 0x00, // sigfigs
            0x00, 0x00, 0x04, 0x00, // snaplen 262144
            0x65, 0x00, 0x00, 0x00, // LINKTYPE_RAW
        ];
        Assert.Equal(expectedHeader, file[..24]);

        int at = 24;
        AssertRecord(file, ref at, Epoch2026 + 1, 250, outboundBytes);
        AssertRecord(file, ref at, Epoch2026 + 3, 250, inboundBytes);
        Assert.Equal(file.Length, at);

        Assert.Equal(2, sniffer.Writer.PacketCount);
        Assert.True(inner.IsDisposed);
        stack.ReleaseAll();
        Assert.Equal(0, pool.Outstanding);
    }

    private static void AssertRecord(byte[] file, ref int at, uint seconds, uint fraction, byte[] packet)
    {
        byte[] expected = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(expected, seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(4), fraction);
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(8), (uint)packet.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(12), (uint)packet.Length);
        Assert.Equal(expected, file[at..(at + 16)]);
        Assert.Equal(packet, file[(at + 16)..(at + 16 + packet.Length)]);
        at += 16 + packet.Length;
    }

    [Fact]
    public void NanosecondVariantHasItsMagicAndFraction()
    {
        var pool = new PacketPool();
        var clock = new ManualTimeProvider();
        var capture = new MemoryStream();
        var inner = new TestLink();
        using (var sniffer = new PcapSniffer(inner, capture, clock, PcapTimestampPrecision.Nanoseconds, leaveOpen: true))
        {
            clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond + 1234567));
            sniffer.WritePackets(Batch(Udp4(pool, 1, 2)));
        }
        byte[] file = capture.ToArray();
        Assert.Equal(new byte[] { 0x4D, 0x3C, 0xB2, 0xA1 }, file[..4]);
        Assert.Equal(Epoch2026 + 1, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24)));
        Assert.Equal(123456700u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(28)));
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void LinkTypeFollowsTheInnerLinkHeader()
    {
        var ethernet = new MemoryStream();
        using (new PcapSniffer(new TestLink(linkHeaderLength: 14, capabilities: LinkCapabilities.Ethernet), ethernet, leaveOpen: true))
        {
        }
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(ethernet.ToArray().AsSpan(20)));
        Assert.Throws<NotSupportedException>(() => new PcapSniffer(new TestLink(linkHeaderLength: 4), new MemoryStream()));
    }

    [Fact]
    public void SnapLengthCutsTheCapturedBytesButKeepsTheOriginalLength()
    {
        var capture = new MemoryStream();
        using (var writer = new PcapWriter(capture, PcapLinkType.Raw, snapLength: 10, leaveOpen: true))
        {
            writer.WritePacket(new byte[100], DateTimeOffset.UnixEpoch);
        }
        byte[] file = capture.ToArray();
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24 + 8)));
        Assert.Equal(100u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24 + 12)));
        Assert.Equal(24 + 16 + 10, file.Length);
    }

    [Fact]
    public void ConcurrentWritersProduceWholeRecords()
    {
        var pool = new PacketPool();
        var capture = new MemoryStream();
        var inner = new DiscardLink();
        const int threads = 4, perThread = 2000;
        using (var sniffer = new PcapSniffer(inner, capture, new ManualTimeProvider(), leaveOpen: true))
        {
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                byte id = (byte)t;
                workers[t] = new Thread(() =>
                {
                    var batch = new PacketBatch();
                    for (int i = 0; i < perThread; i++)
                    {
                        PacketBuffer p = pool.Rent(40 + id);
                        p.Append(40 + id).Fill(id);
                        batch.Add(p);
                        sniffer.WritePackets(batch);
                    }
                });
                workers[t].Start();
            }
            foreach (Thread w in workers)
            {
                w.Join();
            }
        }

        byte[] file = capture.ToArray();
        var perId = new int[threads];
        int at = 24;
        while (at < file.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
            byte id = file[at + 16];
            Assert.Equal(40 + id, length);
            Assert.True(file.AsSpan(at + 16, length).IndexOfAnyExcept(id) < 0, "a record was interleaved with another");
            perId[id]++;
            at += 16 + length;
        }
        Assert.Equal(file.Length, at);
        Assert.All(perId, n => Assert.Equal(perThread, n));
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void AFailingCaptureStreamDoesNotStopTraffic()
    {
        var pool = new PacketPool();
        var inner = new TestLink();
        var broken = new FailingStream();
        using var sniffer = new PcapSniffer(inner, broken);
        sniffer.WritePackets(Batch(Udp4(pool, 1, 2)));
        sniffer.WritePackets(Batch(Udp4(pool, 1, 2)));
        Assert.IsType<IOException>(sniffer.Writer.Error);
        Assert.Equal(2, inner.Written.Count);
        inner.ReleaseWritten();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void CapturingAllocatesNothingPerPacket()
    {
        var pool = new PacketPool();
        var capture = new MemoryStream(capacity: 4 << 20);
        using var sniffer = new PcapSniffer(new DiscardLink(), capture, new ManualTimeProvider(), leaveOpen: true);
        var batch = new PacketBatch();
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                batch.Add(Udp4(pool, 1, 2, payload: 100));
                sniffer.WritePackets(batch);
            }
        }
        Run(100); // warm up the pool and the code paths
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1100, sniffer.Writer.PacketCount);
    }

    [RequiresToolFact("tshark")]
    public void TsharkReadsTheCaptureBack()
    {
        var pool = new PacketPool();
        string path = Path.Combine(Path.GetTempPath(), $"netstack-pcap-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            var clock = new ManualTimeProvider();
            using (ChannelLinkPair pair = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Manual }))
            using (var sniffer = new PcapSniffer(pair.A, path, clock))
            {
                sniffer.Attach(new ReleasingDispatcher());
                pair.B.Attach(new ReleasingDispatcher());
                for (int i = 0; i < 5; i++)
                {
                    sniffer.WritePackets(Batch(Udp4(pool, 1, 2, payload: 10 + i)));
                    clock.Advance(TimeSpan.FromMilliseconds(1));
                }
                for (int i = 0; i < 3; i++)
                {
                    pair.B.WritePackets(Batch(Udp4(pool, 2, 1)));
                }
                pair.PumpUntilIdle();
            }

            string[] lines = RunTshark(path, "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport");
            Assert.Equal(8, lines.Length);
            Assert.All(lines[..5], l => Assert.Equal("10.9.0.1\t10.9.0.2\t5000", l));
            Assert.All(lines[5..], l => Assert.Equal("10.9.0.2\t10.9.0.1\t5000", l));
            Assert.Equal(0, pool.Outstanding);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private string[] RunTshark(string path, params string[] args)
    {
        var psi = new ProcessStartInfo("tshark")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add("-r");
        psi.ArgumentList.Add(path);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process process = Process.Start(psi)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        output.WriteLine(stdout);
        output.WriteLine(stderr.Result);
        Assert.Equal(0, process.ExitCode);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>An inner link that releases what it is given.</summary>
    private sealed class DiscardLink : ILinkEndpoint
    {
        public int Mtu => 1500;

        public int LinkHeaderLength => 0;

        public LinkCapabilities Capabilities => LinkCapabilities.None;

        public int GsoMaxSize => 65536;

        public void Attach(INetworkDispatcher dispatcher)
        {
        }

        public void WritePackets(PacketBatch batch) => batch.ReleaseAll();

        public void Dispose()
        {
        }
    }

    private sealed class FailingStream : MemoryStream
    {
        private int _writes;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (++_writes > 1)
            {
                throw new IOException("disk full");
            }
            base.Write(buffer);
        }
    }
}
