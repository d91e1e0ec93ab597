using Netstack.Buffers;
using Netstack.Interop;

namespace Netstack.Link;

/// <summary>
/// A link to a Linux TUN device (<c>/dev/net/tun</c>, IFF_TUN | IFF_NO_PI): packets are bare IP packets, read and
/// written one per system call. With <see cref="TunLinkOptions.QueueCount"/> &gt; 1 the device is opened with
/// IFF_MULTI_QUEUE and each queue gets its own descriptor and dispatcher thread (the kernel spreads flows over
/// the queues by hash). With <see cref="TunLinkOptions.VirtioNetHeader"/> (IFF_VNET_HDR) every packet carries a
/// virtio_net_hdr, and TCP super-segments of up to 64 KiB and partial checksums cross the device whole in both
/// directions (the kernel does GSO/GRO), which is where the throughput is.
/// </summary>
/// <remarks>
/// <para>Opening creates the device when no interface has the name (it then disappears when the link is
/// disposed), or attaches to an existing one — typically a persistent device made with
/// <c>ip tuntap add dev NAME mode tun</c> — keeping its configuration: the MTU is changed only when
/// <see cref="TunLinkOptions.Mtu"/> is set and the link brought up only with <see cref="TunLinkOptions.BringUp"/>.
/// The vnet_hdr framing is the reader's choice (<see cref="TunLinkOptions.VirtioNetHeader"/>), on either.
/// The descriptors keep working when the device is moved to another network namespace
/// (<c>ip link set NAME netns NS</c>); the MTU and up-flag ioctls act on the caller's namespace, so use them
/// before moving it.</para>
/// <para>Errors opening the device are <see cref="SystemCallException"/>s naming the cause: no TUN driver,
/// missing CAP_NET_ADMIN (EPERM), the name in use (EBUSY). Inbound batches are delivered on the queues'
/// dispatcher threads after <see cref="Attach"/>; <see cref="Dispose"/> wakes and joins them through an eventfd
/// and closes the descriptors, so no thread is left blocked.</para>
/// </remarks>
public sealed class TunLink : ILinkEndpoint
{
    private readonly TunQueue[] _queues;
    private readonly EventFd _stop;
    private bool _resetOffloadsOnClose; // offloads we set on a device we did not create: cleared again on close
    private int _attached;
    private int _disposed;

    /// <summary>Opens (creating if needed) the TUN device <paramref name="name"/>; a name with <c>%d</c> lets the kernel pick the number.</summary>
    /// <exception cref="ArgumentException">The name is not a valid interface name, or the options are out of range.</exception>
    /// <exception cref="SystemCallException">The device could not be opened or configured.</exception>
    public TunLink(string name, TunLinkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= new TunLinkOptions();
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid interface name (1-15 printable ASCII characters without '/', ':' or spaces).", nameof(name));
        }
        if (options.QueueCount is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"QueueCount must be 1 to 256, not {options.QueueCount}.");
        }
        if (options.Mtu is < 68 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Mtu must be 68 to 65535, not {options.Mtu}.");
        }
        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be positive, not {options.BatchSize}.");
        }
        if (options.BatchBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"BatchBytes must be positive, not {options.BatchBytes}.");
        }

        Pool = options.Pool ?? PacketPool.Shared;
        BatchSize = options.BatchSize;
        BatchBytes = options.BatchBytes;
        bool multiQueue = options.MultiQueue || options.QueueCount > 1;
        short flags = (short)(TunIoctl.IFF_TUN | TunIoctl.IFF_NO_PI | (multiQueue ? TunIoctl.IFF_MULTI_QUEUE : 0));

        // A device that exists already (persistent, or another process's) keeps its configuration unless asked.
        bool created = name.Contains('%', StringComparison.Ordinal) || !Directory.Exists("/sys/class/net/" + name);
        _queues = new TunQueue[options.QueueCount];
        _stop = new EventFd();
        try
        {
            // Probing: vnet_hdr unless the kernel refuses it, on a device we create and on an existing one alike.
            VirtioNetHeader = options.VirtioNetHeader ?? true;
            try
            {
                Name = OpenQueues(name, VirtioNetHeader ? (short)(flags | TunIoctl.IFF_VNET_HDR) : flags);
                RequireFlagsTaken(options.VirtioNetHeader);
                if (VirtioNetHeader)
                {
                    (UdpSegmentationOffload, UdpSegmentationOffloadRefusal) = NegotiateOffloads(_queues[0].Fd, Name);
                    _resetOffloadsOnClose = !created;
                }
            }
            catch (SystemCallException e) when (options.VirtioNetHeader is null && VirtioNetHeader)
            {
                // Probed, not demanded: a kernel or device that refuses vnet_hdr or its offloads still gets a link,
                // one MTU-sized packet per system call.
                CloseQueues();
                Array.Clear(_queues);
                VirtioNetHeader = false;
                VirtioNetHeaderRefusal = $"vnet_hdr is off: {e.Message}";
                Name = OpenQueues(name, flags);
                RequireFlagsTaken(false);
            }

            if (options.Mtu is int mtu)
            {
                NetDevice.SetMtu(Name, mtu);
            }
            if (created && options.MinTxQueueLength > 0 && NetDevice.GetTxQueueLength(Name) < options.MinTxQueueLength)
            {
                NetDevice.SetTxQueueLength(Name, options.MinTxQueueLength);
            }
            Mtu = NetDevice.GetMtu(Name);
            if (options.BringUp)
            {
                NetDevice.SetUp(Name);
            }
        }
        catch
        {
            CloseQueues();
            _stop.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Wraps descriptors of a TUN device that someone else created and configured, typically in another network
    /// namespace and handed over with SCM_RIGHTS (<c>netstack run</c>). Each descriptor is one queue, opened with
    /// IFF_TUN | IFF_NO_PI and, when <paramref name="virtioNetHeader"/>, IFF_VNET_HDR; they must be non-blocking.
    /// The link owns them from here on (closes them on <see cref="Dispose"/>, and on failure here). The MTU and
    /// up-flag ioctls address a device by name in the caller's network namespace, where this device is not, so
    /// the MTU is taken as given and <paramref name="name"/> is only for messages. With vnet_hdr this does what
    /// the opening constructor does on the descriptor: the offload negotiation (USO with the TCP-only fallback);
    /// the header stays the default 10-byte virtio_net_hdr, as the opening constructor leaves it.
    /// </summary>
    /// <exception cref="SystemCallException">The kernel refused the vnet_hdr size or the offloads.</exception>
    public static TunLink FromDescriptors(IReadOnlyList<int> descriptors, string name, int mtu, bool virtioNetHeader, TunLinkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        ArgumentNullException.ThrowIfNull(name);
        if (descriptors.Count is < 1 or > 256 || mtu is < 68 or > 65535)
        {
            foreach (int fd in descriptors)
            {
                TunDevice.Close(fd);
            }
            throw new ArgumentOutOfRangeException(nameof(descriptors), $"need 1 to 256 descriptors (got {descriptors.Count}) and an MTU of 68 to 65535 (got {mtu}).");
        }
        return new TunLink(descriptors, name, mtu, virtioNetHeader, options ?? new TunLinkOptions());
    }

    private TunLink(IReadOnlyList<int> descriptors, string name, int mtu, bool virtioNetHeader, TunLinkOptions options)
    {
        Pool = options.Pool ?? PacketPool.Shared;
        BatchSize = Math.Max(1, options.BatchSize);
        BatchBytes = Math.Max(1, options.BatchBytes);
        VirtioNetHeader = virtioNetHeader;
        Name = name;
        Mtu = mtu;
        _queues = new TunQueue[descriptors.Count];
        for (int i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new TunQueue(this, i, descriptors[i]);
        }
        _stop = CreateStopEvent();
        try
        {
            if (VirtioNetHeader)
            {
                (UdpSegmentationOffload, UdpSegmentationOffloadRefusal) = NegotiateOffloads(_queues[0].Fd, Name);
            }
        }
        catch
        {
            CloseQueues();
            _stop.Dispose();
            throw;
        }
    }

    /// <summary>Opens every queue with <paramref name="flags"/>; the first may expand "tun%d", the others join that device by its real name.</summary>
    private string OpenQueues(string name, short flags)
    {
        string actual = name;
        for (int i = 0; i < _queues.Length; i++)
        {
            int fd = TunDevice.OpenQueue(i == 0 ? name : actual, flags, out string opened);
            if (i == 0)
            {
                actual = opened;
            }
            _queues[i] = new TunQueue(this, i, fd);
        }
        return actual;
    }

    /// <summary>
    /// TUNSETIFF on a multi-queue device whose other queues are open keeps the device's IFF_VNET_HDR and ignores the
    /// caller's (tun_set_iff), so the packets' framing is whatever TUNGETIFF says. A demanded setting the device does
    /// not have is an error; a probed one is refused (the fallback opens without it and must get that).
    /// </summary>
    private void RequireFlagsTaken(bool? demanded)
    {
        bool actual = (TunDevice.GetFlags(_queues[0].Fd, Name) & TunIoctl.IFF_VNET_HDR) != 0;
        if (actual != VirtioNetHeader)
        {
            throw new SystemCallException(
                $"TUN device '{Name}' is {(actual ? "" : "not ")}in vnet_hdr mode (its other queues are open {(actual ? "with" : "without")} IFF_VNET_HDR)"
                + (demanded is null ? "" : "; every queue of a device must use the same setting"),
                Errno.EINVAL, "TUNSETIFF");
        }
    }

    private EventFd CreateStopEvent()
    {
        try
        {
            return new EventFd();
        }
        catch
        {
            CloseQueues();
            throw;
        }
    }

    /// <summary>
    /// TUNSETOFFLOAD: USO where the kernel has it (6.2+); an older kernel refuses the unknown flags with EINVAL, and
    /// the TCP offloads alone are asked for again. Returns whether USO is on and, if not, why.
    /// </summary>
    private static (bool Uso, string? Refusal) NegotiateOffloads(int fd, string name)
    {
        // TSO_ECN: the kernel may hand over super-segments whose first segment has CWR (VIRTIO_NET_HDR_GSO_ECN) rather than
        // splitting them itself; TCP reads the flag once for the whole, as on the first segment.
        const uint tcp = TunIoctl.TUN_F_CSUM | TunIoctl.TUN_F_TSO4 | TunIoctl.TUN_F_TSO6 | TunIoctl.TUN_F_TSO_ECN;
        int errno = TunDevice.TrySetOffload(fd, tcp | TunIoctl.TUN_F_USO4 | TunIoctl.TUN_F_USO6);
        if (errno == 0)
        {
            return (true, null);
        }
        TunDevice.SetOffload(fd, name, tcp);
        return (false, $"the kernel refused USO4/USO6 (errno {errno}); UDP super-datagrams are split in software");
    }

    /// <summary>The device's name (as the kernel reports it, with any <c>%d</c> expanded).</summary>
    public string Name { get; }

    /// <summary>The device's MTU when the link was opened (after <see cref="TunLinkOptions.Mtu"/> was applied).</summary>
    public int Mtu { get; }

    /// <summary>0: a TUN device carries IP packets (IFF_NO_PI, no link header).</summary>
    public int LinkHeaderLength => 0;

    /// <summary>With <see cref="TunLinkOptions.VirtioNetHeader"/>: checksum offload both ways, GSO and GRO; otherwise none.</summary>
    public LinkCapabilities Capabilities => VirtioNetHeader
        ? LinkCapabilities.TxChecksumOffload | LinkCapabilities.RxChecksumOffload | LinkCapabilities.Gso | LinkCapabilities.Gro
          | (UdpSegmentationOffload ? LinkCapabilities.UdpGso : LinkCapabilities.None)
        : LinkCapabilities.None;

    /// <summary>Whether the kernel takes and hands over UDP super-datagrams (TUN_F_USO4/6, Linux 6.2+) on this vnet_hdr device.</summary>
    public bool UdpSegmentationOffload { get; }

    /// <summary>Why USO is off although vnet_hdr is on (the kernel refused it), or null.</summary>
    public string? UdpSegmentationOffloadRefusal { get; }

    /// <summary>With vnet_hdr the kernel takes IP packets up to 64 KiB and segments them; without, the largest packet is the MTU.</summary>
    public int GsoMaxSize => VirtioNetHeader ? MaxSuperSegment : Mtu;

    /// <summary>The largest super-segment written or read with vnet_hdr (an IPv4 total length; the kernel's GSO limit).</summary>
    public const int MaxSuperSegment = 65535;

    /// <summary>Whether packets carry a virtio_net_hdr (IFF_VNET_HDR).</summary>
    public bool VirtioNetHeader { get; }

    /// <summary>Why vnet_hdr is off although <see cref="TunLinkOptions.VirtioNetHeader"/> left it to the probe (the kernel refused it), or null.</summary>
    public string? VirtioNetHeaderRefusal { get; }

    /// <summary>How many queues (descriptors and dispatcher threads) the link has.</summary>
    public int QueueCount => _queues.Length;

    /// <summary>Packet and error counters, incremented by the queues; read them with <see cref="GetStatistics"/>.</summary>
    internal TunLinkStatistics Statistics { get; } = new();

    /// <summary>
    /// A snapshot of the link's packet, byte, error and system-call counters (as <c>ip -s link</c>). Once the link is
    /// added to a stack they are also published on its <see cref="Stack.NetStack.Meter"/> as <c>netstack.link.*</c>, tagged
    /// <c>network.interface.name</c>.
    /// </summary>
    public TunLinkStatisticsSnapshot GetStatistics() => new(Statistics);

    internal PacketPool Pool { get; }

    internal int BatchSize { get; }

    internal int BatchBytes { get; }

    /// <summary>Bytes each read asks for: an MTU-sized packet, or a vnet_hdr and a 64 KiB super-segment (the pooled block may offer more).</summary>
    internal int ReadSize => VirtioNetHeader ? Offload.VirtioNetHeader.Length + MaxSuperSegment : Math.Max(Mtu, 1500);

    /// <summary>The dispatcher threads (for tests: they must all be gone after <see cref="Dispose"/>).</summary>
    internal IEnumerable<Thread> Threads
    {
        get
        {
            foreach (TunQueue queue in _queues)
            {
                if (queue.Thread is Thread thread)
                {
                    yield return thread;
                }
            }
        }
    }

    /// <summary>Linux interface names (dev_valid_name): 1-15 bytes, not "." or "..", no '/', ':' or whitespace. ASCII only here.</summary>
    public static bool IsValidName(string name)
    {
        if (name is null || name.Length is 0 or >= IfReq.NameSize || name is "." or "..")
        {
            return false;
        }
        foreach (char c in name)
        {
            if (c is '/' or ':' or <= ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Starts one dispatcher thread per queue, delivering to <paramref name="dispatcher"/>. Once only.</summary>
    public void Attach(INetworkDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _attached, 1) != 0)
        {
            throw new InvalidOperationException($"TUN link '{Name}' is already attached.");
        }
        foreach (TunQueue queue in _queues)
        {
            queue.Start(dispatcher, _stop.Fd);
        }
    }

    /// <summary>
    /// Writes the packets, one <c>write</c> each, on the calling dispatcher thread's own queue (or one chosen by
    /// thread when called from elsewhere). Failed packets are dropped and counted; the references are consumed.
    /// </summary>
    public void WritePackets(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        TunQueue? queue = TunQueue.Current;
        if (queue is null || queue.Link != this)
        {
            queue = _queues.Length == 1 ? _queues[0] : _queues[(uint)Environment.CurrentManagedThreadId % (uint)_queues.Length];
        }
        queue.Write(batch);
    }

    private IDispatcherCompanion? _companion;

    /// <summary>The work queue 0's dispatcher does besides reading (see <see cref="IDispatcherCompanion"/>), if any.</summary>
    internal IDispatcherCompanion? Companion => Volatile.Read(ref _companion);

    /// <summary>
    /// Hands <paramref name="companion"/> to queue 0's dispatcher thread, which disposes it after it stopped (with the
    /// link). One per link: false when another was taken or the link is disposed.
    /// </summary>
    internal bool TryAddCompanion(IDispatcherCompanion companion)
    {
        return Volatile.Read(ref _disposed) == 0 && Interlocked.CompareExchange(ref _companion, companion, null) is null;
    }

    /// <summary>Stops the dispatcher threads (waking them through the eventfd), waits for them, and closes the descriptors.</summary>
    public void Dispose()
    {
        if (!SignalStop())
        {
            return;
        }
        foreach (TunQueue queue in _queues)
        {
            queue.Join();
        }
        CloseQueues();
        _stop.Dispose();
        Interlocked.Exchange(ref _companion, null)?.Dispose(); // after the dispatchers stopped: none is using it
    }

    /// <summary>Like <see cref="Dispose"/>, waiting for the dispatcher threads without blocking the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!SignalStop())
        {
            return;
        }
        foreach (TunQueue queue in _queues)
        {
            await queue.WhenStoppedAsync().ConfigureAwait(false);
        }
        CloseQueues();
        _stop.Dispose();
    }

    /// <summary>Marks the link disposed and wakes its threads; false when it already was.</summary>
    private bool SignalStop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }
        _stop.Signal();
        return true;
    }

    private void CloseQueues()
    {
        if (_resetOffloadsOnClose && _queues[0] is TunQueue first)
        {
            // The offloads are the device's, and outlive us: a later reader without vnet_hdr would otherwise get
            // 64 KiB super-segments it cannot parse.
            TunDevice.TrySetOffload(first.Fd, 0);
            _resetOffloadsOnClose = false;
        }
        foreach (TunQueue? queue in _queues)
        {
            queue?.Close();
        }
    }

    /// <summary>"tun NAME (mtu N, Q queues)".</summary>
    public override string ToString() => $"tun {Name} (mtu {Mtu}, {_queues.Length} queue{(_queues.Length == 1 ? "" : "s")})";
}
