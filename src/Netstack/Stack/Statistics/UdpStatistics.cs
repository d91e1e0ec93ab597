using System.Diagnostics.Metrics;

namespace Netstack.Stack;

/// <summary>
/// The mutable counters behind <see cref="UdpStatisticsSnapshot"/>: plain fields the packet path increments with
/// <see cref="Interlocked"/> (no locks, no allocation). Read them through the snapshot or the stack's meter.
/// </summary>
internal sealed class UdpStatistics
{
    public long InDatagrams;
    public long NoPorts;
    public long InErrors;
    public long InCsumErrors;
    public long RcvbufErrors;
    public long SndbufErrors;
    public long OutDatagrams;
    public long MemErrors;
    public long ReceiveMemory;

    /// <summary>Publishes every counter on <paramref name="meter"/> (instrument names in the README's Metrics section).</summary>
    public void Register(Meter meter)
    {
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.received", "{datagram}", "Datagrams delivered to sockets.", () => Interlocked.Read(ref InDatagrams));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.no_port", "{datagram}", "Datagrams for a port with no socket (answered with port unreachable).", () => Interlocked.Read(ref NoPorts));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.receive_errors", "{datagram}", "Datagrams not delivered for other reasons: bad length, bad checksum, full receive queue.", () => Interlocked.Read(ref InErrors));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.checksum_errors", "{datagram}", "Datagrams with a bad checksum (also counted in InErrors).", () => Interlocked.Read(ref InCsumErrors));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.receive_buffer_errors", "{datagram}", "Datagrams dropped because the socket's receive queue was full (also counted in InErrors).", () => Interlocked.Read(ref RcvbufErrors));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.send_buffer_errors", "{datagram}", "Datagrams not sent for lack of buffer or route.", () => Interlocked.Read(ref SndbufErrors));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.sent", "{datagram}", "Datagrams sent.", () => Interlocked.Read(ref OutDatagrams));
        StatisticsInstruments.Counter(meter, "netstack.udp.datagrams.memory_errors", "{datagram}", "Datagrams dropped because the receive queues of all sockets held the stack's UDP receive memory limit (also counted in InErrors).", () => Interlocked.Read(ref MemErrors));
        StatisticsInstruments.UpDown(meter, "netstack.udp.receive_memory", "By", "Bytes of packet buffers the receive queues of all UDP sockets hold now, counted by block size (a gauge, not a count of events).", () => Interlocked.Read(ref ReceiveMemory));
    }
}
