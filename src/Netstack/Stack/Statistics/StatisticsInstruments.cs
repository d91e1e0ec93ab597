using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>
/// Creates the observable instruments that publish the statistics counters. The callbacks read the counters with
/// <see cref="Interlocked.Read(ref readonly long)"/> when a listener collects, so the packet path pays nothing for them.
/// </summary>
internal static class StatisticsInstruments
{
    /// <summary>The OpenTelemetry attribute that tells IPv4 from IPv6 measurements.</summary>
    public const string NetworkType = "network.type";

    private static readonly KeyValuePair<string, object?> Ipv4 = new(NetworkType, "ipv4");
    private static readonly KeyValuePair<string, object?> Ipv6 = new(NetworkType, "ipv6");

    /// <summary>A monotonic counter.</summary>
    public static void Counter(Meter meter, string name, string unit, string description, Func<long> read) =>
        meter.CreateObservableCounter(name, read, unit, description);

    /// <summary>A monotonic counter whose one measurement carries <paramref name="tag"/>.</summary>
    public static void Counter(Meter meter, string name, string unit, string description, Func<long> read, KeyValuePair<string, object?> tag) =>
        meter.CreateObservableCounter(name, () => new Measurement<long>(read(), tag), unit, description);

    /// <summary>A value that goes up and down (a gauge of things open now).</summary>
    public static void UpDown(Meter meter, string name, string unit, string description, Func<long> read) =>
        meter.CreateObservableUpDownCounter(name, read, unit, description);

    /// <summary>A value that goes up and down, its one measurement carrying <paramref name="tag"/>.</summary>
    public static void UpDown(Meter meter, string name, string unit, string description, Func<long> read, KeyValuePair<string, object?> tag) =>
        meter.CreateObservableUpDownCounter(name, () => new Measurement<long>(read(), tag), unit, description);

    /// <summary>One counter for both IP families: a measurement per family that has the counter (<c>network.type</c> ipv4 / ipv6).</summary>
    public static void PerFamily(Meter meter, string name, string unit, string description, Func<long>? v4, Func<long>? v6) =>
        meter.CreateObservableCounter(name, () => ObserveFamilies(v4, v6), unit, description);

    private static Measurement<long>[] ObserveFamilies(Func<long>? v4, Func<long>? v6)
    {
        if (v4 is null)
        {
            return [new Measurement<long>(v6!(), Ipv6)];
        }
        if (v6 is null)
        {
            return [new Measurement<long>(v4(), Ipv4)];
        }
        return [new Measurement<long>(v4(), Ipv4), new Measurement<long>(v6(), Ipv6)];
    }
}
