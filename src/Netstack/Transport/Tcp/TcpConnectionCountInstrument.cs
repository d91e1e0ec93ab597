using System.Diagnostics.Metrics;

namespace Netstack.Transport.Tcp;

/// <summary>
/// <c>netstack.tcp.connection.count</c>: the TCP connections of a stack by state, one measurement per state tagged
/// <c>network.connection.state</c> (OpenTelemetry's values: <c>established</c>, <c>syn_sent</c>, <c>time_wait</c> …),
/// counted from the connection table when a listener collects (like <c>ss -tan state …</c> on Linux).
/// </summary>
internal static class TcpConnectionCountInstrument
{
    public const string Name = "netstack.tcp.connection.count";

    public const string StateTag = "network.connection.state";

    /// <summary>One tag per <see cref="TcpConnectionState"/>, in its order.</summary>
    private static readonly KeyValuePair<string, object?>[] StateTags =
    [
        new(StateTag, "closed"),
        new(StateTag, "listen"),
        new(StateTag, "syn_sent"),
        new(StateTag, "syn_received"),
        new(StateTag, "established"),
        new(StateTag, "fin_wait_1"),
        new(StateTag, "fin_wait_2"),
        new(StateTag, "close_wait"),
        new(StateTag, "closing"),
        new(StateTag, "last_ack"),
        new(StateTag, "time_wait"),
    ];

    public static void Register(Meter meter, TcpProtocol tcp) =>
        meter.CreateObservableUpDownCounter(Name, () => Observe(tcp), "{connection}",
            "TCP connections by state (network.connection.state), listeners included as listen.");

    private static Measurement<long>[] Observe(TcpProtocol tcp)
    {
        Span<long> counts = stackalloc long[StateTags.Length];
        tcp.CountByState(counts);
        var measurements = new Measurement<long>[StateTags.Length];
        for (int i = 0; i < measurements.Length; i++)
        {
            measurements[i] = new Measurement<long>(counts[i], StateTags[i]);
        }
        return measurements;
    }
}
