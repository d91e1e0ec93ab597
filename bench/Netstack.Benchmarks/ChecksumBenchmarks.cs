using BenchmarkDotNet.Attributes;
using Netstack.Wire;

namespace Netstack.Benchmarks;

/// <summary>The Internet checksum over an MTU-sized packet and a 64 KiB super-segment, next to a plain copy of the same bytes (the floor any pass over them pays).</summary>
[Config(typeof(ThroughputConfig))]
public class ChecksumBenchmarks
{
    private byte[] _data = [];
    private byte[] _copy = [];

    [Params(1500, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        _copy = new byte[Size];
        new Random(1).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public void Memcpy() => _data.AsSpan().CopyTo(_copy);

    [Benchmark]
    public ushort Checksum() => Wire.Checksum.Compute(_data);
}
