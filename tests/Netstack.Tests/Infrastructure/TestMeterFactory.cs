using System.Diagnostics.Metrics;

namespace Netstack.Tests.Infrastructure;

/// <summary>An <see cref="IMeterFactory"/> that keeps what it made and disposes it with itself (as the DI one does).</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    public List<Meter> Created { get; } = [];

    public Meter Create(MeterOptions options)
    {
        options.Scope = this;
        var meter = new Meter(options);
        Created.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (Meter meter in Created)
        {
            meter.Dispose();
        }
    }
}
