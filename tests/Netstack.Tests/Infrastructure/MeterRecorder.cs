using System.Diagnostics.Metrics;

namespace Netstack.Tests.Infrastructure;

/// <summary>Listens to the instruments of one <see cref="Meter"/> and keeps the last value of each (name, first tag value).</summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MeterRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == meter)
            {
                Instruments[instrument.Name] = instrument;
                Units[instrument.Name] = instrument.Unit;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            Values[(instrument.Name, tags.Length == 0 ? null : tags[0].Value as string)] = value);
        _listener.Start();
    }

    public Dictionary<string, Instrument> Instruments { get; } = [];

    public Dictionary<string, string?> Units { get; } = [];

    public Dictionary<(string Name, string? Tag), long> Values { get; } = [];

    /// <summary>Runs every observable instrument's callback once.</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}
