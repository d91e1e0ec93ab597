using System.Text.Json;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>One stream's line in the results both sides exchange after TEST_END.</summary>
public readonly record struct Iperf3StreamResult(int Id, long Bytes, long Retransmits, double StartTime, double EndTime);

/// <summary>
/// The results JSON each side sends in EXCHANGE_RESULTS (send_results/get_results in iperf_api.c): CPU use, whether
/// the sender counted retransmissions, and per stream its id, bytes and retransmissions. The stock client refuses
/// results without cpu_util_*, sender_has_retransmits or a stream's id/bytes/retransmits/jitter/errors/packets.
/// </summary>
public sealed record Iperf3Results
{
    public double CpuUtilTotal { get; init; }

    public double CpuUtilUser { get; init; }

    public double CpuUtilSystem { get; init; }

    public bool SenderHasRetransmits { get; init; }

    public string CongestionUsed { get; init; } = "";

    public IReadOnlyList<Iperf3StreamResult> Streams { get; init; } = [];

    public long TotalBytes
    {
        get
        {
            long sum = 0;
            foreach (Iperf3StreamResult s in Streams)
            {
                sum += s.Bytes;
            }
            return sum;
        }
    }

    public long TotalRetransmits
    {
        get
        {
            long sum = 0;
            foreach (Iperf3StreamResult s in Streams)
            {
                sum += s.Retransmits;
            }
            return sum;
        }
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("cpu_util_total", CpuUtilTotal);
            w.WriteNumber("cpu_util_user", CpuUtilUser);
            w.WriteNumber("cpu_util_system", CpuUtilSystem);
            w.WriteNumber("sender_has_retransmits", SenderHasRetransmits ? 1 : 0);
            if (CongestionUsed.Length > 0)
            {
                w.WriteString("congestion_used", CongestionUsed);
            }
            w.WriteStartArray("streams");
            foreach (Iperf3StreamResult s in Streams)
            {
                w.WriteStartObject();
                w.WriteNumber("id", s.Id);
                w.WriteNumber("bytes", s.Bytes);
                w.WriteNumber("retransmits", s.Retransmits);
                w.WriteNumber("jitter", 0);
                w.WriteNumber("errors", 0);
                w.WriteNumber("omitted_errors", 0);
                w.WriteNumber("packets", 0);
                w.WriteNumber("omitted_packets", 0);
                w.WriteNumber("start_time", s.StartTime);
                w.WriteNumber("end_time", s.EndTime);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads a peer's results; streams with a missing or non-numeric id or byte count make it fail.</summary>
    public static bool TryParse(JsonElement json, out Iperf3Results results)
    {
        results = new Iperf3Results();
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("streams", out JsonElement streams) || streams.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        var list = new List<Iperf3StreamResult>();
        foreach (JsonElement s in streams.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.Object || !TryInt64(s, "id", out long id) || !TryInt64(s, "bytes", out long bytes))
            {
                return false;
            }
            TryInt64(s, "retransmits", out long retransmits);
            list.Add(new Iperf3StreamResult((int)id, bytes, Math.Max(retransmits, 0), Double(s, "start_time"), Double(s, "end_time")));
        }
        results = new Iperf3Results
        {
            CpuUtilTotal = Double(json, "cpu_util_total"),
            CpuUtilUser = Double(json, "cpu_util_user"),
            CpuUtilSystem = Double(json, "cpu_util_system"),
            SenderHasRetransmits = TryInt64(json, "sender_has_retransmits", out long r) && r > 0,
            CongestionUsed = json.TryGetProperty("congestion_used", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() ?? "" : "",
            Streams = list,
        };
        return true;
    }

    private static bool TryInt64(JsonElement json, string name, out long value)
    {
        value = 0;
        if (!json.TryGetProperty(name, out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || double.IsNaN(d) || Math.Abs(d) > long.MaxValue / 2)
        {
            return false;
        }
        value = (long)d;
        return true;
    }

    private static double Double(JsonElement json, string name) =>
        json.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) ? d : 0;
}
