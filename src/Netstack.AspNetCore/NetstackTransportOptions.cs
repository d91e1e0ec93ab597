using Netstack.Transport.Tcp;

namespace Netstack.AspNetCore;

/// <summary>
/// Settings of the Kestrel transport over a <see cref="Stack.NetStack"/>: the listening sockets' backlog, the options
/// every accepted connection gets, and how much response data may wait for the TCP send buffer. The defaults follow
/// Kestrel's socket transport (Nagle off, 512 pending handshakes, 64 KiB of unsent response before writes wait).
/// </summary>
public sealed class NetstackTransportOptions
{
    /// <summary>Handshakes a listener queues before Kestrel accepts them (the <c>listen</c> backlog); 512 by default.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>TCP_NODELAY on accepted connections: responses leave at once instead of waiting for ACKs (Nagle). True by default.</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>
    /// Options for the listening sockets and so for every connection they accept (buffer sizes, congestion control,
    /// keepalive); the stack's defaults when null.
    /// </summary>
    public TcpEndpointOptions? EndpointOptions { get; set; }

    /// <summary>
    /// Bytes Kestrel may have written that have not yet been copied into the TCP send buffer before its flushes wait
    /// (the output pipe's pause threshold, as Kestrel's <c>MaxResponseBufferSize</c>); 64 KiB by default. 0 never waits.
    /// </summary>
    public long MaxWriteBufferSize { get; set; } = 64 * 1024;
}
