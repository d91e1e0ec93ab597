using System.Net;
using Netstack.Stack;

namespace Netstack.Packetdrill;

/// <summary>
/// One stack under packetdrill: the virtual clock, the link, the sockets, and the rule that keeps runs
/// deterministic. packetdrill runs non-blocking calls on its main thread and blocking ones on a system-call thread
/// while the main thread goes on injecting packets and sleeping. Here a blocking call is a loop of non-blocking
/// attempts that waits for the "world" to change (a packet injected, time advanced, another call made); after every
/// change the main thread waits until each blocked call has tried again (<see cref="Settle"/>), and before time moves
/// it also waits until a call that just finished has read the clock for its end time. So a blocked call completes at
/// the virtual instant the change happened, as it would in the kernel.
/// </summary>
internal sealed class PacketdrillHost : IDisposable
{
    /// <summary>
    /// How long the main thread waits (real time) for a blocked call to react before moving on: a safety net, never
    /// reached on a healthy run (the blocked thread answers in microseconds), generous for a loaded CI machine.
    /// </summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(3);

    /// <summary>How far <see cref="RunUntilOutbound"/> moves time looking for a packet before reporting none.</summary>
    private static readonly TimeSpan OutboundSearchLimit = TimeSpan.FromMinutes(10);

    [ThreadStatic] private static bool t_owesClockRead;

    private readonly object _world = new(); // guards the fields below; Monitor wait/pulse for blocked calls
    private long _generation;
    private int _blocked;          // calls waiting for the world to change
    private int _toRetry;          // blocked calls that have not yet tried again since the last change
    private int _owedClockReads;   // finished blocking calls whose thread has not read the clock since
    private readonly int _mainThread = Environment.CurrentManagedThreadId;

    public PacketdrillHost(string? flags)
    {
        Clock = new VirtualClock();
        Stack = new NetStack(new NetStackOptions { TimeProvider = Clock, RandomSeed = 1 });
        Link = new PacketdrillLink(Clock) { Pool = Stack.Pool };
        int nic = Stack.AddInterface(Link, InterfaceAddress.Parse("192.168.0.2/16"), InterfaceAddress.Parse("fd3d:fa7b:d17d::2/48"));
        Stack.AddRoute(IPNetwork.Parse("0.0.0.0/0"), nic);
        Stack.AddRoute(IPNetwork.Parse("::/0"), nic);
        InterfaceId = nic;
        Sockets = new SocketTable(this);
        Flags = flags ?? "";
    }

    public string Flags { get; }

    /// <summary>The sysctls the script's init commands set.</summary>
    public ScriptSysctls Sysctls { get; } = new();

    public VirtualClock Clock { get; }

    public NetStack Stack { get; }

    public PacketdrillLink Link { get; }

    public int InterfaceId { get; }

    public SocketTable Sockets { get; }

    public bool OnMainThread => Environment.CurrentManagedThreadId == _mainThread;

    /// <summary>Makes <paramref name="address"/> one of the stack's own (packetdrill picks the local address).</summary>
    public void EnsureLocal(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || Stack.IsLocalAddress(Wire.NetAddress.FromIPAddress(address)))
        {
            return;
        }
        Stack.AddAddress(InterfaceId, new InterfaceAddress(Wire.NetAddress.FromIPAddress(address), address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 16 : 48));
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it stops answering <see cref="Errno.EAGAIN"/> as a blocking call would:
    /// on packetdrill's system-call thread it waits for the world to change; on the main thread nobody else moves
    /// time, so it advances the clock to the next timer itself (and gives up with EAGAIN when nothing is pending).
    /// </summary>
    public long Block(Func<long> attempt, long deadlineTicks = long.MaxValue)
    {
        if (OnMainThread)
        {
            while (true)
            {
                long result = attempt();
                if (result != -Errno.EAGAIN)
                {
                    return result;
                }
                long? next = Clock.NextDueTicks;
                if (next is not long due || due > Clock.Ticks + OutboundSearchLimit.Ticks || due > deadlineTicks)
                {
                    if (deadlineTicks == long.MaxValue)
                    {
                        return result;
                    }
                    Clock.AdvanceTo(deadlineTicks);
                    result = attempt();
                    return result == -Errno.EAGAIN ? 0 : result;
                }
                Clock.AdvanceTo(Math.Max(due, Clock.Ticks));
            }
        }
        lock (_world)
        {
            _blocked++;
            try
            {
                while (true)
                {
                    long seen = _generation;
                    long result;
                    Monitor.Exit(_world);
                    try
                    {
                        result = attempt();
                    }
                    finally
                    {
                        Monitor.Enter(_world);
                    }
                    if (_toRetry > 0)
                    {
                        _toRetry--;
                    }
                    if (result != -Errno.EAGAIN || Clock.Ticks >= deadlineTicks)
                    {
                        _owedClockReads++;
                        t_owesClockRead = true;
                        Monitor.PulseAll(_world);
                        return result == -Errno.EAGAIN ? 0 : result;
                    }
                    Monitor.PulseAll(_world);
                    while (_generation == seen)
                    {
                        Monitor.Wait(_world);
                    }
                }
            }
            finally
            {
                _blocked--;
            }
        }
    }

    /// <summary>The world changed (packet in, time moved, a call made): blocked calls try again.</summary>
    public void Changed()
    {
        lock (_world)
        {
            _generation++;
            _toRetry = _blocked;
            Monitor.PulseAll(_world);
        }
    }

    /// <summary>
    /// Waits (a bounded real time) until every blocked call has tried again since the last change and, when
    /// <paramref name="clockReads"/>, until every finished blocking call has read the clock.
    /// </summary>
    public void Settle(bool clockReads)
    {
        DateTime limit = DateTime.UtcNow + SettleLimit;
        lock (_world)
        {
            while (_toRetry > 0 || (clockReads && _owedClockReads > 0))
            {
                TimeSpan left = limit - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    _toRetry = 0;
                    return;
                }
                Monitor.Wait(_world, left);
            }
        }
    }

    /// <summary>A thread reads the clock: a finished blocking call on it has now taken its end time.</summary>
    public void OnClockRead()
    {
        if (t_owesClockRead)
        {
            t_owesClockRead = false;
            lock (_world)
            {
                _owedClockReads--;
                Monitor.PulseAll(_world);
            }
        }
    }

    /// <summary>packetdrill's <c>usleep</c>: time passes, and timers due meanwhile fire.</summary>
    public void Sleep(long microseconds)
    {
        Settle(clockReads: true);
        Clock.AdvanceTo(Clock.Ticks + microseconds * 10);
        Changed();
        Settle(clockReads: false);
    }

    /// <summary>packetdrill spins on <c>gettimeofday</c> for the last microseconds before an event (on either thread): each call is one microsecond.</summary>
    public long ReadClock()
    {
        OnClockRead();
        Clock.AdvanceTo(Clock.Ticks + 10);
        return Clock.NowMicroseconds;
    }

    /// <summary>packetdrill's <c>netdev_send</c>: one IP packet into the stack.</summary>
    public void Inject(ReadOnlySpan<byte> ipPacket)
    {
        if (ipPacket.Length >= 20 && ipPacket[0] >> 4 == 4)
        {
            EnsureLocal(new IPAddress(ipPacket.Slice(16, 4)));
        }
        else if (ipPacket.Length >= 40 && ipPacket[0] >> 4 == 6)
        {
            EnsureLocal(new IPAddress(ipPacket.Slice(24, 16)));
        }
        Link.Inject(ipPacket);
        Changed();
        Settle(clockReads: false);
    }

    /// <summary>
    /// packetdrill's <c>netdev_receive</c>: the next packet the stack sends. When none is waiting, blocked calls get
    /// their turn, then time runs to the next timer, until a packet leaves or nothing more is pending.
    /// </summary>
    public bool RunUntilOutbound(out byte[] packet, out long timeMicroseconds)
    {
        long limit = Clock.Ticks + OutboundSearchLimit.Ticks;
        while (true)
        {
            if (Link.TryTakeOutbound(out packet, out timeMicroseconds))
            {
                return true;
            }
            Settle(clockReads: false);
            if (Link.HasOutbound)
            {
                continue;
            }
            long? next = Clock.NextDueTicks;
            if (next is not long due || due > limit)
            {
                return false;
            }
            Clock.AdvanceTo(Math.Max(due, Clock.Ticks));
            Changed();
        }
    }

    public void Dispose()
    {
        Sockets.CloseAll();
        Link.Dispose();
        Stack.Dispose();
        Sysctls.Dispose();
    }
}
