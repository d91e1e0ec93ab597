using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>
/// Opens sockets inside another network namespace from this process: a short-lived thread enters the namespace
/// (setns with CLONE_NEWNET is per thread and allowed in a multithreaded process), creates the socket and ends.
/// A socket keeps the namespace it was created in, so the test can then serve it with ordinary async code.
/// </summary>
public static partial class NetworkNamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Runs <paramref name="create"/> on a thread inside the namespace at <paramref name="nsPath"/> (e.g. /run/netns/NAME).</summary>
    public static Socket Create(string nsPath, Func<Socket> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using Microsoft.Win32.SafeHandles.SafeFileHandle ns = File.OpenHandle(nsPath); // nsfs: no FileStream (it cannot seek)
                if (SetNamespace((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns({nsPath}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                socket = create();
            }
            catch (Exception e)
            {
                failure = e; // rethrown on the caller's thread: an exception escaping a raw thread would end the test host
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return socket!;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(int fd, int nstype);
}
