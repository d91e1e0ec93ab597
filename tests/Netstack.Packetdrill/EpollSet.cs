using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary>
/// An epoll set over packetdrill's sockets. Level-triggered entries report readiness whenever it holds; an
/// edge-triggered one (EPOLLET) reports a condition again only after something new happened for it (bytes
/// arrived or the FIN for EPOLLIN, bytes acknowledged for EPOLLOUT), as Linux's wake-ups do.
/// </summary>
internal sealed class EpollSet(SocketTable table)
{
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public const uint EPOLLET = 1u << 31, EPOLLONESHOT = 1u << 30;

    private sealed class Entry
    {
        public uint Events;
        public ulong Data;
        public long InKey = -1;
        public long OutKey = -1;
        public bool Disabled;
        public bool HangUpReported;
    }

    private readonly Dictionary<int, Entry> _entries = [];

    public long Control(int op, int fd, uint events, ulong data)
    {
        lock (_entries)
        {
            switch (op)
            {
                case EPOLL_CTL_ADD:
                    return _entries.TryAdd(fd, new Entry { Events = events, Data = data }) ? 0 : -17; // EEXIST
                case EPOLL_CTL_MOD:
                    if (!_entries.ContainsKey(fd))
                    {
                        return -2; // ENOENT
                    }
                    _entries[fd] = new Entry { Events = events, Data = data };
                    return 0;
                case EPOLL_CTL_DEL:
                    return _entries.Remove(fd) ? 0 : -2;
                default:
                    return -Errno.EINVAL;
            }
        }
    }

    /// <summary>Fills <paramref name="ready"/> with (events, data) of ready entries; returns how many.</summary>
    public int Collect(Span<(uint Events, ulong Data)> ready)
    {
        int n = 0;
        lock (_entries)
        {
            foreach ((int fd, Entry entry) in _entries)
            {
                if (n == ready.Length)
                {
                    break;
                }
                if (entry.Disabled || table.Socket(fd) is not DrillSocket socket)
                {
                    continue;
                }
                uint events = Report(entry, socket);
                if (events != 0)
                {
                    ready[n++] = (events, entry.Data);
                    entry.Disabled = (entry.Events & EPOLLONESHOT) != 0;
                }
            }
        }
        return n;
    }

    private static uint Report(Entry entry, DrillSocket socket)
    {
        uint mask = (uint)Readiness.Of(socket);
        uint wanted = (entry.Events & 0xFFFFu) | 0x8u | 0x10u; // EPOLLERR and EPOLLHUP always
        wanted |= entry.Events & Readiness.POLLRDHUP;
        uint events = mask & wanted;
        if ((entry.Events & EPOLLET) == 0 || events == 0)
        {
            return events;
        }
        // Edge-triggered: a wake-up (new bytes, the FIN, acknowledged bytes) reports the whole mask that holds then,
        // as Linux's ep_poll_callback re-polls the socket; without one, nothing.
        (long inKey, long outKey) = Keys(socket);
        bool hangUp = (events & (Readiness.POLLERR | Readiness.POLLHUP)) != 0;
        bool wokeUp = ((entry.Events & Readiness.POLLIN) != 0 && inKey != entry.InKey)
            || ((entry.Events & Readiness.POLLOUT) != 0 && outKey != entry.OutKey)
            || (hangUp && !entry.HangUpReported);
        entry.InKey = inKey;
        entry.OutKey = outKey;
        entry.HangUpReported |= hangUp && wokeUp;
        if (!wokeUp)
        {
            return 0;
        }
        return events;
    }

    /// <summary>Counters that move when something new happens for reading and for writing.</summary>
    private static (long In, long Out) Keys(DrillSocket socket)
    {
        if (socket.Endpoint is not TcpEndpoint endpoint)
        {
            return (socket.Listener?.Socket.PendingAccepts ?? 0, 0);
        }
        TcpInfo info = endpoint.GetInfo();
        long fin = info.State is TcpConnectionState.CloseWait or TcpConnectionState.LastAck or TcpConnectionState.Closing or TcpConnectionState.TimeWait ? 1L << 40 : 0;
        return (info.BytesReceived + fin, info.BytesSent - info.SendBufferBytes + (info.State == TcpConnectionState.Established ? 1L << 40 : 0));
    }
}
