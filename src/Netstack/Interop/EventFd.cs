namespace Netstack.Interop;

/// <summary>
/// A Linux eventfd used as a level-triggered "stop" signal: once <see cref="Signal"/> has been called it stays
/// readable, so every thread polling it wakes, however many there are and whenever they next poll.
/// </summary>
internal sealed unsafe class EventFd : IDisposable
{
    private int _fd;

    public EventFd()
    {
        _fd = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (_fd < 0)
        {
            throw Errno.ToException(Errno.Last, "eventfd");
        }
    }

    public int Fd => _fd;

    /// <summary>Makes the descriptor readable (adds 1 to its counter; it is never read back).</summary>
    public void Signal()
    {
        ulong one = 1;
        _ = LibC.Write(_fd, (byte*)&one, sizeof(ulong)); // EAGAIN only if the counter would overflow: already signalled
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        TunDevice.Close(fd);
    }
}
