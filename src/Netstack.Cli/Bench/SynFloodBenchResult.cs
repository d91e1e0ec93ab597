using System.Globalization;
using System.Text;

namespace Netstack.Cli.Bench;

/// <summary>What <c>netstack bench --syn-flood N</c> measured, printed as a human summary or as JSON.</summary>
internal sealed record SynFloodBenchResult
{
    public required int Syns { get; init; }

    public required int Backlog { get; init; }

    public required int Attempts { get; init; }

    /// <summary>Legitimate connects that completed the handshake and carried a byte each way.</summary>
    public required int Succeeded { get; init; }

    /// <summary>Connect time on the stacks' (stepped) clock: zero when no retransmission was needed.</summary>
    public required double StackMedianMs { get; init; }

    public required double StackMaxMs { get; init; }

    public required double WallMedianMs { get; init; }

    public required double WallMaxMs { get; init; }

    /// <summary>Wall time of the whole flood, the legitimate connects included.</summary>
    public required double FloodSeconds { get; init; }

    public required double FloodStackSeconds { get; init; }

    /// <summary>The most connections (half-open ones included) the server's table held at once.</summary>
    public required int PeakServerConnections { get; init; }

    public required long CookiesSent { get; init; }

    public required long CookiesValidated { get; init; }

    /// <summary>Managed heap growth during the flood over the heap before it (not collected: an upper bound).</summary>
    public required long PeakHeapBytes { get; init; }

    /// <summary>Bytes of packet buffers rented and not returned, at the peak.</summary>
    public required long PeakPoolBytes { get; init; }

    /// <summary>Managed heap after the drain and a full GC, against the heap before the flood.</summary>
    public required long HeapAfterBytes { get; init; }

    /// <summary>Connections left in both stacks' tables after the drain: 0 unless something leaked.</summary>
    public required int ConnectionsLeft { get; init; }

    /// <summary>Packet buffers not returned after the drain: 0 unless something leaked.</summary>
    public required long BuffersLeft { get; init; }

    public string ToText()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"flood       {Syns} spoofed SYNs over {FloodStackSeconds:F1} s of stack time in {FloodSeconds:F2} s wall ({Syns / Math.Max(FloodSeconds, 1e-9):F0} SYNs/s), backlog {Backlog}");
        s.AppendLine(CultureInfo.InvariantCulture, $"legitimate  {Succeeded}/{Attempts} connects succeeded; stack time median {StackMedianMs:F1} ms, max {StackMaxMs:F1} ms; wall median {WallMedianMs:F3} ms, max {WallMaxMs:F3} ms");
        s.AppendLine(CultureInfo.InvariantCulture, $"listener    at most {PeakServerConnections} connections held; {CookiesSent} SYN cookies sent, {CookiesValidated} validated");
        s.AppendLine(CultureInfo.InvariantCulture, $"memory      during the flood: managed heap +{PeakHeapBytes / 1024} KiB, packet pool {PeakPoolBytes / 1024} KiB at peak");
        s.Append(CultureInfo.InvariantCulture, $"after       {ConnectionsLeft} connections and {BuffersLeft} packet buffers left; managed heap {HeapAfterBytes / 1024:+#;-#;0} KiB against before the flood");
        return s.ToString();
    }

    public string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"mode\":\"syn_flood\",\"syns\":{Syns},\"backlog\":{Backlog},\"attempts\":{Attempts},\"succeeded\":{Succeeded},\"stack_median_ms\":{StackMedianMs:F3},\"stack_max_ms\":{StackMaxMs:F3},\"wall_median_ms\":{WallMedianMs:F3},\"wall_max_ms\":{WallMaxMs:F3},\"flood_seconds\":{FloodSeconds:F6},\"flood_stack_seconds\":{FloodStackSeconds:F3},\"peak_server_connections\":{PeakServerConnections},\"cookies_sent\":{CookiesSent},\"cookies_validated\":{CookiesValidated},\"peak_heap_bytes\":{PeakHeapBytes},\"peak_pool_bytes\":{PeakPoolBytes},\"heap_after_bytes\":{HeapAfterBytes},\"connections_left\":{ConnectionsLeft},\"buffers_left\":{BuffersLeft}}}");
}
