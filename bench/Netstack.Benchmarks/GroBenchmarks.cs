using BenchmarkDotNet.Attributes;
using Netstack.Buffers;
using Netstack.Offload;
using Netstack.Wire;

namespace Netstack.Benchmarks;

/// <summary>Software GRO of 44 in-order full-sized segments of one flow into one packet (checksums verified, or trusted from the link).</summary>
[Config(typeof(ThroughputConfig))]
public class GroBenchmarks
{
    private const int Mss = 1448;
    private readonly PacketPool _pool = new();
    private readonly PacketBatch _batch = new(64);
    private readonly TcpCoalescer _gro = new();
    private byte[][] _segments = [];

    /// <summary>Payload bytes merged (44 × 1448).</summary>
    [Params(44 * Mss)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _segments = new byte[Size / Mss][];
        for (int i = 0; i < _segments.Length; i++)
        {
            _segments[i] = OffloadSamples.Packet(Mss, seq: 1 + (uint)(i * Mss), id: (ushort)i);
        }
    }

    [Benchmark(Baseline = true)]
    public int MergeVerifyingChecksums() => Merge(trusted: false);

    [Benchmark]
    public int MergeTrustedChecksums() => Merge(trusted: true);

    /// <summary>The same segments handed up one by one: the copy-in that both variants also pay.</summary>
    [Benchmark]
    public int CopyInOnly()
    {
        foreach (byte[] s in _segments)
        {
            _batch.Add(_pool.RentCopy(s));
        }
        int n = _batch.Count;
        _batch.ReleaseAll();
        return n;
    }

    private int Merge(bool trusted)
    {
        foreach (byte[] s in _segments)
        {
            PacketBuffer p = _pool.RentCopy(s);
            p.Offload.ChecksumValid = trusted;
            _batch.Add(p);
        }
        int merged = _gro.Coalesce(_batch, _pool, out _);
        _batch.ReleaseAll();
        return merged;
    }
}
