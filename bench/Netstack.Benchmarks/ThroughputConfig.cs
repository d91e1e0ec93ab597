using BenchmarkDotNet.Configs;

namespace Netstack.Benchmarks;

/// <summary>Config for the byte-moving benchmarks: memory diagnoser plus the GB/s column.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new ThroughputColumn());
        AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
    }
}
