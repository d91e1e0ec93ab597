namespace Netstack.Transport.Tcp;

/// <summary>
/// How one write is segmented (Linux's send flags). By default the segment carrying a write's last byte gets PSH
/// (RFC 1122 §4.2.2.2), and later writes may share a segment with it.
/// </summary>
[Flags]
public enum TcpWriteFlags
{
    /// <summary>An ordinary write: pushed at its end.</summary>
    None = 0,

    /// <summary>
    /// More data follows at once (Linux MSG_MORE): the write is not pushed, and a last partial segment is held as
    /// <see cref="Netstack.Sockets.TcpConnection.Cork"/> holds it, until a later write without this flag, an ACK, or
    /// the retransmission timeout lets it go.
    /// </summary>
    More = 1,

    /// <summary>
    /// The write ends a record (Linux MSG_EOR): no segment, new or retransmitted, carries bytes of both this record
    /// and the data written after it, so the record's last segment goes without waiting for more (Nagle does not hold
    /// it when data follows).
    /// </summary>
    EndOfRecord = 2,
}
