namespace Netstack.Interop;

/// <summary>
/// Shrinks what a process can hold after its next execve: the calling thread's capability bounding set
/// (PR_CAPBSET_DROP), ambient set and inheritable set. capabilities(7): after execve by root the permitted set is
/// (inheritable &amp; file inheritable) | (file permitted &amp; bounding) | ambient, and for root the file sets are
/// full, so with inheritable and ambient empty the new image holds exactly the bounding set. All three are
/// per-thread: call this on the thread that calls execve, with nothing between.
/// </summary>
internal static unsafe class CapabilityBounds
{
    /// <summary>CAP_NET_BIND_SERVICE: bind ports below 1024.</summary>
    public const int NetBindService = 10;

    /// <summary>Drops every capability from this thread's bounding set except <paramref name="keep"/>, and clears the ambient and inheritable sets.</summary>
    public static void RestrictTo(IReadOnlyCollection<int> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        int last = ReadLastCapability();
        for (int cap = 0; cap <= last; cap++)
        {
            if (!keep.Contains(cap) && LibC.Prctl(LibC.PR_CAPBSET_DROP, (nuint)cap, 0, 0, 0) < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.EINVAL)
                {
                    break; // beyond the kernel's last capability (only when cap_last_cap could not be read)
                }
                throw Errno.ToException(errno, $"prctl(PR_CAPBSET_DROP, {cap})", "needs CAP_SETPCAP");
            }
        }
        // EINVAL: a kernel before 4.3 without ambient capabilities; there is nothing to clear.
        if (LibC.Prctl(LibC.PR_CAP_AMBIENT, LibC.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && Errno.Last != Errno.EINVAL)
        {
            throw Errno.ToException(Errno.Last, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
        }
        var header = new CapUserHeader { Version = CapUserHeader.Version3, Pid = 0 };
        CapUserData* data = stackalloc CapUserData[2];
        if (LibC.CapGet(&header, data) < 0)
        {
            throw Errno.ToException(Errno.Last, "capget");
        }
        if (data[0].Inheritable != 0 || data[1].Inheritable != 0)
        {
            data[0].Inheritable = 0;
            data[1].Inheritable = 0;
            if (LibC.CapSet(&header, data) < 0)
            {
                throw Errno.ToException(Errno.Last, "capset (clear inheritable)");
            }
        }
    }

    private static int ReadLastCapability()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 40; // CAP_CHECKPOINT_RESTORE, the last one in Linux 5.9-6.x
        }
    }
}
