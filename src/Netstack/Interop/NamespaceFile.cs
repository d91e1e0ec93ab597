using System.Globalization;
using System.Text;

namespace Netstack.Interop;

/// <summary>Identifies the namespace behind a namespace file (<c>/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>).</summary>
internal static unsafe class NamespaceFile
{
    private const uint NS_GET_NSTYPE = 0xb703; // _IO(0xb7, 0x3), ioctl_ns(2)
    private const int CLONE_NEWNET = 0x40000000;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_INO = 0x100;

    /// <summary>
    /// The identity (<c>net:[inode]</c>, as <c>/proc/PID/ns/net</c> shows it) of the network namespace at
    /// <paramref name="path"/>, or null when it cannot be opened or is not one. ioctl_ns(2) NS_GET_NSTYPE says what
    /// the file is; statx(2) gives the nsfs inode, which identifies the namespace (namespaces(7)). open(2) itself,
    /// because .NET's file APIs refuse nsfs files.
    /// </summary>
    public static string? IdentifyNetwork(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = name)
        {
            fd = LibC.Open(p, LibC.O_CLOEXEC);
        }
        if (fd < 0)
        {
            return null;
        }
        try
        {
            if (LibC.Ioctl(fd, NS_GET_NSTYPE, null) != CLONE_NEWNET)
            {
                return null;
            }
            byte* statx = stackalloc byte[256]; // struct statx; stx_ino is the u64 at offset 32 on every architecture
            byte empty = 0;
            if (LibC.Statx(fd, &empty, AT_EMPTY_PATH, STATX_INO, statx) < 0)
            {
                return null;
            }
            return "net:[" + (*(ulong*)(statx + 32)).ToString(CultureInfo.InvariantCulture) + "]";
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
