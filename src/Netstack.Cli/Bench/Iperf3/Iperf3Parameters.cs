using System.Text.Json;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// The test parameters a client sends after PARAM_EXCHANGE (send_parameters/get_parameters in iperf_api.c). Only
/// the fields this implementation acts on are modelled; the others are ignored on receipt.
/// </summary>
public sealed record Iperf3Parameters
{
    /// <summary>iperf3's default block length for TCP (128 KiB).</summary>
    public const int DefaultLength = 128 * 1024;

    public bool Tcp { get; init; } = true;

    public bool Udp { get; init; }

    /// <summary>Seconds to run; 0 when <see cref="Bytes"/> or <see cref="BlockCount"/> bounds the test instead.</summary>
    public int Time { get; init; } = 10;

    /// <summary>Bytes to send in total (iperf3 -n), 0 for none.</summary>
    public long Bytes { get; init; }

    /// <summary>Blocks to send in total (iperf3 -k), 0 for none.</summary>
    public long BlockCount { get; init; }

    public int Parallel { get; init; } = 1;

    /// <summary>The server sends and the client receives (iperf3 -R).</summary>
    public bool Reverse { get; init; }

    public bool Bidirectional { get; init; }

    /// <summary>Bytes per write (iperf3 -l).</summary>
    public int Length { get; init; } = DefaultLength;

    public int Omit { get; init; }

    public string ClientVersion { get; init; } = "3.12";

    /// <summary>The congestion control the client asked for (iperf3 <c>-C</c>), empty when it did not.</summary>
    public string Congestion { get; init; } = "";

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("tcp", true);
            w.WriteNumber("omit", Omit);
            w.WriteNumber("time", Time);
            w.WriteNumber("num", Bytes);
            w.WriteNumber("blockcount", BlockCount);
            w.WriteNumber("parallel", Parallel);
            if (Reverse)
            {
                w.WriteBoolean("reverse", true);
            }
            w.WriteNumber("len", Length);
            w.WriteNumber("pacing_timer", 1000);
            if (Congestion.Length > 0)
            {
                w.WriteString("congestion", Congestion);
            }
            w.WriteString("client_version", ClientVersion);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads the parameters a client sent; missing fields keep their defaults, wrongly typed ones fail.</summary>
    public static bool TryParse(JsonElement json, out Iperf3Parameters parameters, out string? error)
    {
        parameters = new Iperf3Parameters();
        error = null;
        if (json.ValueKind != JsonValueKind.Object)
        {
            error = "the parameters are not a JSON object.";
            return false;
        }
        try
        {
            parameters = new Iperf3Parameters
            {
                Tcp = Flag(json, "tcp"),
                Udp = Flag(json, "udp"),
                Time = (int)Number(json, "time", 10),
                Bytes = Number(json, "num", 0),
                BlockCount = Number(json, "blockcount", 0),
                Parallel = (int)Number(json, "parallel", 1),
                Reverse = Flag(json, "reverse"),
                Bidirectional = Flag(json, "bidirectional"),
                Length = (int)Number(json, "len", DefaultLength),
                Omit = (int)Number(json, "omit", 0),
                ClientVersion = json.TryGetProperty("client_version", out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "",
                Congestion = json.TryGetProperty("congestion", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() ?? "" : "",
            };
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
        if (parameters.Parallel is < 1 or > 128 || parameters.Length is < 1 or > 16 << 20 || parameters.Time < 0)
        {
            error = $"parameters out of range (parallel {parameters.Parallel}, len {parameters.Length}, time {parameters.Time}).";
            return false;
        }
        return true;
    }

    // cJSON writes booleans as true/false but older clients sent 1/0; accept both.
    private static bool Flag(JsonElement json, string name) =>
        json.TryGetProperty(name, out JsonElement v) && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) && n != 0));

    private static long Number(JsonElement json, string name, long fallback)
    {
        if (!json.TryGetProperty(name, out JsonElement v))
        {
            return fallback;
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || d < 0 || d > long.MaxValue / 2)
        {
            throw new FormatException($"parameter '{name}' is not a non-negative number.");
        }
        return (long)d;
    }
}
