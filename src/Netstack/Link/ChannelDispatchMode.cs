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

    /// <summary>
    /// The writer's thread delivers what it wrote before its write returns, like Linux loopback (the receive path
    /// runs in the sender's softirq): no dispatcher threads and no wake-ups, the fastest way to join two stacks in
    /// one process. A thread that is already delivering at that end only queues (the outer delivery drains it), so
    /// replies to replies never recurse. Writers must not hold locks the receiving side takes — a
    /// <see cref="Stack.NetStack"/> writes to links only after releasing its protocol locks.
    /// </summary>
    Inline,
}
