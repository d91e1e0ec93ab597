using BenchmarkDotNet.Attributes;
using Netstack.Buffers;
using Netstack.Offload;
using Netstack.Wire;

namespace Netstack.Benchmarks;

/// <summary>
/// Software GSO of a 64 KiB TCP super-segment into 45 segments, with the TCP checksum computed or left partial,
/// and of a UDP super-datagram (USO) into 44 datagrams of 1472 bytes.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class GsoBenchmarks
{
    private const int Mss = 1448;
    private readonly PacketPool _pool = new();
    private readonly PacketBatch _batch = new(64);
    private const int DatagramSize = 1472;
    private byte[] _super = [];
    private byte[] _superDatagram = [];

    /// <summary>Payload bytes of the super-segment (45 × 1448).</summary>
    [Params(45 * Mss)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _super = OffloadSamples.Packet(Size, seq: 1);
        _superDatagram = OffloadSamples.UdpPacket(44 * DatagramSize);
    }

    [Benchmark(Baseline = true)]
    public int SplitWithChecksum() => Split(partial: false);

    [Benchmark]
    public int SplitPartialChecksum() => Split(partial: true);

    [Benchmark]
    public int SplitUdp()
    {
        PacketBuffer p = _pool.RentCopy(_superDatagram);
        p.Offload.GsoType = GsoType.UdpL4;
        p.Offload.GsoSize = DatagramSize;
        int n = UdpSegmenter.Segment(p, _pool, _batch, partialChecksum: false);
        _batch.ReleaseAll();
        return n;
    }

    private int Split(bool partial)
    {
        PacketBuffer p = _pool.RentCopy(_super);
        p.Offload.GsoType = GsoType.TcpV4;
        p.Offload.GsoSize = Mss;
        int n = TcpSegmenter.Segment(p, _pool, _batch, partial);
        _batch.ReleaseAll();
        return n;
    }
}
