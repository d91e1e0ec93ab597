namespace Netstack.Stack;

/// <summary>
/// UDP counters of one stack (both families) at one moment, named as Linux <c>netstat -s</c> (Udp:); see
/// <see cref="NetStack.GetStatistics"/>.
/// </summary>
/// <remarks>Each property was read atomically, but not all at the same instant: counters that move together (a packet
/// counted in two of them) may differ by what arrived while the snapshot was taken.</remarks>
public readonly record struct UdpStatisticsSnapshot
{
    internal UdpStatisticsSnapshot(UdpStatistics counters)
    {
        InDatagrams = Interlocked.Read(ref counters.InDatagrams);
        NoPorts = Interlocked.Read(ref counters.NoPorts);
        InErrors = Interlocked.Read(ref counters.InErrors);
        InCsumErrors = Interlocked.Read(ref counters.InCsumErrors);
        RcvbufErrors = Interlocked.Read(ref counters.RcvbufErrors);
        SndbufErrors = Interlocked.Read(ref counters.SndbufErrors);
        OutDatagrams = Interlocked.Read(ref counters.OutDatagrams);
        MemErrors = Interlocked.Read(ref counters.MemErrors);
        ReceiveMemory = Interlocked.Read(ref counters.ReceiveMemory);
    }

    /// <summary>
    /// Datagrams delivered to sockets. Linux <c>Udp: InDatagrams</c>; instrument <c>netstack.udp.datagrams.received</c>
    /// in <c>{datagram}</c>.
    /// </summary>
    public long InDatagrams { get; }

    /// <summary>
    /// Datagrams for a port with no socket (answered with port unreachable). Linux <c>Udp: NoPorts</c>; instrument
    /// <c>netstack.udp.datagrams.no_port</c> in <c>{datagram}</c>.
    /// </summary>
    public long NoPorts { get; }

    /// <summary>
    /// Datagrams not delivered for other reasons: bad length, bad checksum, full receive queue. Linux
    /// <c>Udp: InErrors</c>; instrument <c>netstack.udp.datagrams.receive_errors</c> in <c>{datagram}</c>.
    /// </summary>
    public long InErrors { get; }

    /// <summary>
    /// Datagrams with a bad checksum (also counted in InErrors). Linux <c>Udp: InCsumErrors</c>; instrument
    /// <c>netstack.udp.datagrams.checksum_errors</c> in <c>{datagram}</c>.
    /// </summary>
    public long InCsumErrors { get; }

    /// <summary>
    /// Datagrams dropped because the socket's receive queue was full (also counted in InErrors). Linux
    /// <c>Udp: RcvbufErrors</c>; instrument <c>netstack.udp.datagrams.receive_buffer_errors</c> in <c>{datagram}</c>.
    /// </summary>
    public long RcvbufErrors { get; }

    /// <summary>
    /// Datagrams not sent for lack of buffer or route. Linux <c>Udp: SndbufErrors</c>; instrument
    /// <c>netstack.udp.datagrams.send_buffer_errors</c> in <c>{datagram}</c>.
    /// </summary>
    public long SndbufErrors { get; }

    /// <summary>
    /// Datagrams sent. Linux <c>Udp: OutDatagrams</c>; instrument <c>netstack.udp.datagrams.sent</c> in
    /// <c>{datagram}</c>.
    /// </summary>
    public long OutDatagrams { get; }

    /// <summary>
    /// Datagrams dropped because the receive queues of all sockets held the stack's UDP receive memory limit
    /// (<see cref="NetStackOptions.UdpReceiveMemoryLimit"/>; also counted in InErrors). Linux <c>Udp: MemErrors</c>;
    /// instrument <c>netstack.udp.datagrams.memory_errors</c> in <c>{datagram}</c>.
    /// </summary>
    public long MemErrors { get; }

    /// <summary>
    /// Bytes of packet buffers the receive queues of all UDP sockets hold now, counted by block size, not payload (a
    /// gauge). Linux <c>sockstat: UDP mem</c> (there in pages); instrument <c>netstack.udp.receive_memory</c> in
    /// <c>By</c>.
    /// </summary>
    public long ReceiveMemory { get; }
}
