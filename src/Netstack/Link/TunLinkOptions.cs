using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>How a <see cref="TunLink"/> opens its device. The defaults attach to (or create) a single-queue TUN device with vnet_hdr offloads where the kernel has them, and change nothing else about it.</summary>
public sealed class TunLinkOptions
{
    /// <summary>Queues to open, each with its own file descriptor and dispatcher thread; more than one needs <see cref="MultiQueue"/> (implied).</summary>
    public int QueueCount { get; init; } = 1;

    /// <summary>Open with IFF_MULTI_QUEUE even for one queue (needed to join a device created with <c>ip tuntap add ... multi_queue</c>).</summary>
    public bool MultiQueue { get; init; }

    /// <summary>When set, the device's MTU is changed to this value (SIOCSIFMTU); otherwise the device's MTU is read and left as it is.</summary>
    public int? Mtu { get; init; }

    /// <summary>
    /// For a device the link creates: the least length of its queue towards us (txqueuelen, the ring the kernel fills
    /// and we read). The tuntap default of 500 overflows when several flows send at once faster than one dispatcher
    /// reads — 8 kernel flows into one queue made the kernel retransmit 1,400–3,000 times per 16 MB; at 4,096, none.
    /// An existing device keeps its configuration; 0 leaves a new one at the kernel's default too.
    /// </summary>
    public int MinTxQueueLength { get; init; } = 4096;

    /// <summary>Set the device's IFF_UP flag after opening (otherwise its state is left as it is).</summary>
    public bool BringUp { get; init; }

    /// <summary>
    /// Whether to open with IFF_VNET_HDR: every packet then carries a virtio_net_hdr, so the link passes 64 KiB TCP
    /// super-segments whole in both directions (GSO and GRO by the kernel) and partial checksums (TUNSETOFFLOAD
    /// CSUM|TSO4|TSO6). That is where the throughput is, several times more at MTU 1500.
    /// <list type="bullet">
    /// <item><c>null</c> (the default): probe. The device, created or existing, gets vnet_hdr when the kernel accepts
    /// it and its offloads, and plain packets otherwise (<see cref="TunLink.VirtioNetHeaderRefusal"/> says why): for
    /// example a multi-queue device whose other queues are open without it. On an existing device the offloads are
    /// cleared again when the link is disposed, so a later reader without vnet_hdr gets plain packets.</item>
    /// <item><c>true</c>: required; the constructor throws when the kernel refuses it.</item>
    /// <item><c>false</c>: never; one MTU-sized packet per system call.</item>
    /// </list>
    /// Every reader of a multi-queue device must use the same setting (the kernel keeps one per device).
    /// </summary>
    public bool? VirtioNetHeader { get; init; }

    /// <summary>The pool inbound packets are read into; <see cref="PacketPool.Shared"/> when null.</summary>
    public PacketPool? Pool { get; init; }

    /// <summary>Packets read before a batch is delivered (fewer when the device runs dry).</summary>
    public int BatchSize { get; init; } = PacketBatch.DefaultCapacity;

    /// <summary>
    /// Bytes read before a batch is delivered, whatever its packet count. A batch's replies (its ACKs) are written when
    /// it ends, so with vnet_hdr or a 64 KiB MTU a 64-packet batch would hold back the ACK for 4 MiB, most of a
    /// window, and the sender would stop while we process it; 256 KiB lets the next data come while we work.
    /// </summary>
    public int BatchBytes { get; init; } = 256 * 1024;
}
