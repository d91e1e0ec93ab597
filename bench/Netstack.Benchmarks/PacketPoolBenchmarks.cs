using BenchmarkDotNet.Attributes;
using Netstack.Buffers;

namespace Netstack.Benchmarks;

/// <summary>Renting and releasing pooled packet buffers of the small (MTU) and large (64 KiB) classes.</summary>
[MemoryDiagnoser]
public class PacketPoolBenchmarks
{
    private readonly PacketPool _pool = new();

    [Params(1500, 65536)]
    public int Size { get; set; }

    [Benchmark]
    public int RentRelease()
    {
        PacketBuffer p = _pool.Rent(Size);
        int capacity = p.Capacity;
        p.Release();
        return capacity;
    }
}
