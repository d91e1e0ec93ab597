namespace Netstack.Transport.Tcp;

/// <summary>
/// Where an endpoint's outgoing bytes come from: the sequence range [SND.UNA + offset, + length) is copied out of the
/// source straight into a packet buffer. <see cref="TcpSendBuffer"/> is the source for bytes the application wrote;
/// a forwarder may attach one that leaves the bytes in a host socket's receive queue until the peer acknowledges
/// them (pasta's SO_PEEK_OFF idea), so there is no userspace send buffer and no second copy.
/// </summary>
/// <remarks>
/// Every member is called under the endpoint lock. <see cref="Length"/> must not shrink except through
/// <see cref="Discard"/>, and bytes once counted must stay copyable at the same offset until discarded: the endpoint
/// retransmits, probes and SACK-repairs from them.
/// </remarks>
internal interface ITcpSendSource
{
    /// <summary>Bytes held counting from SND.UNA (sent and unacknowledged plus not yet sent).</summary>
    long Length { get; }

    /// <summary>
    /// Copies <paramref name="destination"/>.Length bytes starting <paramref name="offset"/> bytes after SND.UNA.
    /// Returns false when the bytes cannot be produced (the host socket failed); the endpoint then resets.
    /// </summary>
    bool TryCopyTo(long offset, Span<byte> destination);

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the head.</summary>
    void Discard(long count);

    /// <summary>
    /// True once no byte beyond <see cref="Length"/> will ever come (the host peer's FIN): the endpoint sends its FIN
    /// after the last byte. Always false for the application's buffer, where the application calls Shutdown.
    /// </summary>
    bool EndOfStream { get; }

    /// <summary>
    /// Learns what arrived since the last look (more bytes, the end of the stream); called when the source said it
    /// was ready, through <see cref="TcpEndpoint.PollSendSource"/>. A no-op for the application's buffer.
    /// </summary>
    void Refresh();

    /// <summary>The connection is over: release what is held (never called under a copy).</summary>
    void Clear();
}
