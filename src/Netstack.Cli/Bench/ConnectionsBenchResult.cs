using System.Globalization;
using System.Text;

namespace Netstack.Cli.Bench;

/// <summary>What <c>netstack bench --connections N</c> measured, printed as a human summary or as JSON.</summary>
public sealed record ConnectionsBenchResult
{
    public required int Connections { get; init; }

    /// <summary>Connections in ESTABLISHED at the client when memory was measured.</summary>
    public required long Established { get; init; }

    /// <summary>Whether the connections never carried data.</summary>
    public required bool Idle { get; init; }

    /// <summary>Listener ports on the server (the destinations the client's ports were shared between).</summary>
    public required int ListenerPorts { get; init; }

    /// <summary>Seconds from the first connect to the last accept.</summary>
    public required double OpenSeconds { get; init; }

    /// <summary>CPU time of the whole process (every thread, GC included) while the connections were opened.</summary>
    public required double OpenCpuSeconds { get; init; }

    /// <summary>Managed heap after a full GC with every connection open, less the heap before the first connect.</summary>
    public required long HeapBytes { get; init; }

    /// <summary>Packet buffers the stacks held (rented and not returned) with every connection idle.</summary>
    public required long HeldPacketBuffers { get; init; }

    /// <summary>Memory per connection counting both of its ends (client and server stack).</summary>
    public double BytesPerConnection => Connections > 0 ? (double)HeapBytes / Connections : 0;

    /// <summary>Memory per end (one stack's side of one connection).</summary>
    public double BytesPerEnd => BytesPerConnection / 2;

    public double OpensPerSecond => OpenSeconds > 0 ? Connections / OpenSeconds : 0;

    public string ToText()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"mode        in-process, {Connections} connection(s) from one address to {ListenerPorts} listener port(s), {(Idle ? "never used" : "idle after one 1 KiB request and reply")}");
        s.AppendLine(CultureInfo.InvariantCulture, $"opened      {Connections} in {OpenSeconds:F2} s = {OpensPerSecond:F0} connections/s, {OpenCpuSeconds:F2} s of CPU ({Established} established)");
        s.AppendLine(CultureInfo.InvariantCulture, $"memory      {HeapBytes} bytes of managed heap (packet pool included) after a full GC");
        s.AppendLine(CultureInfo.InvariantCulture, $"per conn    {BytesPerConnection:F0} bytes for both ends = {BytesPerEnd:F0} bytes per end");
        s.Append(CultureInfo.InvariantCulture, $"buffers     {HeldPacketBuffers} packet buffers held by idle connections");
        return s.ToString();
    }

    public string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"mode\":\"connections\",\"connections\":{Connections},\"established\":{Established},\"idle\":{(Idle ? "true" : "false")},\"listener_ports\":{ListenerPorts},\"open_seconds\":{OpenSeconds:F6},\"open_cpu_seconds\":{OpenCpuSeconds:F6},\"opens_per_second\":{OpensPerSecond:F1},\"heap_bytes\":{HeapBytes},\"bytes_per_connection\":{BytesPerConnection:F1},\"bytes_per_end\":{BytesPerEnd:F1},\"held_packet_buffers\":{HeldPacketBuffers}}}");
}
