namespace Netstack.Sockets;

/// <summary>Takes a <see cref="UdpSocket"/>'s datagrams as they arrive, on the thread that delivers them (see <see cref="UdpSocket.DeliverTo"/>).</summary>
internal interface IUdpDatagramSink
{
    /// <summary>
    /// One datagram's payload, or with <paramref name="segmentSize"/> &gt; 0 a run of datagrams of that size back to
    /// back (the last may be shorter). The span is valid only during the call. Must not block.
    /// </summary>
    void Deliver(ReadOnlySpan<byte> payload, int segmentSize);
}
