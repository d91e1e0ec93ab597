using System.Diagnostics.Metrics;
using Netstack.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

public class TcpStatisticsTests
{
    [Fact]
    public void Counters_AreObservableOnTheStacksMeter()
    {
        using var p = new TcpPair();
        (TcpEndpoint client, TcpEndpoint server, TcpConnectionListener listener) = p.Connect();
        var seen = new Dictionary<string, long>();
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == p.A.Meter && instrument.Name.StartsWith("netstack.tcp.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        meterListener.Start();
        meterListener.RecordObservableInstruments();
        Assert.Equal(1, seen["netstack.tcp.active_opens"]);
        Assert.Equal(1, seen["netstack.tcp.current_established"]);
        Assert.True(seen["netstack.tcp.segments.sent"] >= 2);
        Assert.True(seen.ContainsKey("netstack.tcp.challenge_acks"));
        client.Abort();
        p.Pump();
        _ = server;
        listener.Dispose();
    }
}
