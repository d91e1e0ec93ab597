namespace Netstack.Link;

/// <summary>Settings shared by both ends of a <see cref="ChannelLink"/> pair.</summary>
public sealed class ChannelLinkOptions
{
    /// <summary>The largest IP packet carried unsegmented; larger packets without a GSO type are dropped and counted.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>
    /// What both ends advertise. With <see cref="LinkCapabilities.Gso"/> (and <see cref="LinkCapabilities.Gro"/>)
    /// super-segments up to <see cref="GsoMaxSize"/> pass whole from one stack to the other, the in-process fast
    /// path; with the checksum offloads a partial checksum travels as is and arrives marked valid.
    /// </summary>
    public LinkCapabilities Capabilities { get; init; } = LinkCapabilities.None;

    /// <summary>The largest super-segment accepted when <see cref="LinkCapabilities.Gso"/> is advertised.</summary>
    public int GsoMaxSize { get; init; } = 65536;

    /// <summary>Packets that may wait at a receiving end; more are tail-dropped and counted in <see cref="ChannelLink.QueueDrops"/>.</summary>
    public int QueueLimit { get; init; } = 4096;

    /// <summary>Whether each end has its own dispatcher thread or the test pumps deliveries by hand.</summary>
    public ChannelDispatchMode DispatchMode { get; init; } = ChannelDispatchMode.Thread;
}
