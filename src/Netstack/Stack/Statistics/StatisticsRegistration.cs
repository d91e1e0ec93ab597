using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>Exposes a statistics class's counters as <see cref="ObservableCounter{T}"/>s named <c>prefix.Name</c>.</summary>
internal static class StatisticsRegistration
{
    public static void Add(Meter meter, string prefix, string name, Func<long> read) =>
        meter.CreateObservableCounter(prefix + "." + name, read, unit: "{packet}");
}
