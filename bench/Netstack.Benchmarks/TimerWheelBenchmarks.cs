using BenchmarkDotNet.Attributes;
using Netstack.Stack;

namespace Netstack.Benchmarks;

/// <summary>Scheduling and cancelling a timer (what TCP does for every ACK that moves the retransmission deadline).</summary>
[MemoryDiagnoser]
public class TimerWheelBenchmarks : IDisposable
{
    private readonly TimerWheel _wheel = new(TimeProvider.System);
    private readonly TimerEntry[] _entries = new TimerEntry[64];

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            _entries[i] = new TimerEntry(static _ => { });
        }
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public void ScheduleThenCancel()
    {
        foreach (TimerEntry e in _entries)
        {
            _wheel.Schedule(e, TimeSpan.FromMilliseconds(200));
        }
        foreach (TimerEntry e in _entries)
        {
            _wheel.Cancel(e);
        }
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public void Reschedule()
    {
        foreach (TimerEntry e in _entries)
        {
            _wheel.Schedule(e, TimeSpan.FromMilliseconds(200));
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _wheel.Dispose();
        GC.SuppressFinalize(this);
    }
}
