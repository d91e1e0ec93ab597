namespace Netstack.Transport.Tcp;

/// <summary>Which kind of local port an actively opened connection holds (see <see cref="Stack.PortManager"/>).</summary>
internal enum PortHold : byte
{
    /// <summary>None: a passive open (the listener holds the port) or a connection not yet opened.</summary>
    None,

    /// <summary>The port was given explicitly and is reserved exclusively (protocol, local address, port).</summary>
    Exclusive,

    /// <summary>An ephemeral port in use only for this connection's four-tuple.</summary>
    Connection,
}
