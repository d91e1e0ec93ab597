namespace Netstack.Transport.Tcp;

/// <summary>What may hold a short segment of new data back (Linux's nonagle bits).</summary>
internal enum TcpNagleMode
{
    /// <summary>Nagle (RFC 896) with Minshall's refinement: wait while another short segment is unacknowledged.</summary>
    Nagle,

    /// <summary>TCP_NODELAY: a short segment that empties the buffer goes at once.</summary>
    NoDelay,

    /// <summary>TCP_CORK or MSG_MORE: a partial last segment waits for more data (or the persist timer).</summary>
    Cork,

    /// <summary>One explicit push (TCP_NODELAY being set, the corked tail's timeout): everything the windows allow goes.</summary>
    Push,
}
