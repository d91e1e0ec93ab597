using BenchmarkDotNet.Attributes;
using Netstack.Transport.Tcp;

namespace Netstack.Benchmarks;

/// <summary>The TCP send buffer: append 64 KiB from the application, copy it out as 45 segments, discard it when acknowledged.</summary>
[Config(typeof(ThroughputConfig))]
public class TcpSendBufferBenchmarks
{
    private readonly TcpSendBuffer _buffer = new();
    private readonly byte[] _segment = new byte[1448];
    private byte[] _data = [];

    [Params(45 * 1448)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _data = new byte[Size];

    [Benchmark]
    public long AppendCopyOutDiscard()
    {
        _buffer.Write(_data, long.MaxValue);
        for (long offset = 0; offset < Size; offset += _segment.Length)
        {
            _buffer.CopyTo(offset, _segment);
        }
        _buffer.Discard(Size);
        return _buffer.Length;
    }
}
