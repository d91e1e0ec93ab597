using System.Text;

namespace Netstack.Interop;

/// <summary>A bind mount (mount(2) with MS_BIND): makes a file visible at another path in this mount namespace.</summary>
internal static unsafe class BindMount
{
    /// <summary>Mounts <paramref name="source"/> over <paramref name="target"/> (a file over a file).</summary>
    public static void Mount(string source, string target)
    {
        byte[] from = Encoding.UTF8.GetBytes(source + "\0");
        byte[] to = Encoding.UTF8.GetBytes(target + "\0");
        fixed (byte* s = from)
        fixed (byte* t = to)
        {
            if (LibC.Mount(s, t, null, (nuint)LibC.MS_BIND, null) < 0)
            {
                int errno = Errno.Last;
                throw Errno.ToException(errno, $"mount --bind {source} {target}", errno switch
                {
                    Errno.EPERM or Errno.EACCES => "needs CAP_SYS_ADMIN in a mount namespace of our own",
                    Errno.ENOENT => $"{target} does not exist (or is a dangling symbolic link)",
                    _ => null,
                });
            }
        }
    }
}
