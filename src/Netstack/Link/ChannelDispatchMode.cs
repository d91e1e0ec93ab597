namespace Netstack.Link;

/// <summary>How a <see cref="ChannelLink"/> delivers the packets queued at each end.</summary>
public enum ChannelDispatchMode
{
    /// <summary>
    /// Each end runs its own dispatcher thread that waits for packets and delivers them in batches of up to
    /// <see cref="Buffers.PacketBatch.DefaultCapacity"/>, each processed to completion (the NAPI shape).
    /// </summary>
    Thread,

    /// <summary>
    /// Nothing is delivered until the test calls <see cref="ChannelLinkPair.Pump"/> or
    /// <see cref="ChannelLinkPair.PumpUntilIdle"/> on its own thread: with a fake clock every run is the same.
    /// </summary>
    Manual,
}
