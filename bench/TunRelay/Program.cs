// TunRelay: the ceiling of any stack behind a TUN device. It opens two TUN devices and copies every packet read
// from one into the other, one read and one write per packet, nothing parsed: a kernel in one namespace talks to a
// kernel in another through this process exactly as it would through a userspace stack that did no work at all.
// With --vnet-hdr both devices carry a virtio_net_hdr and accept TSO/checksum offload, so 64 KiB super-segments
// cross whole (the header from one device is valid for the other as it stands).
//
//   TunRelay DEV_A DEV_B [--vnet-hdr] [--mtu N]    prints "ready" once both are open, runs until SIGTERM/SIGINT
using System.Runtime.InteropServices;
using TunRelay;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: TunRelay DEV_A DEV_B [--vnet-hdr] [--mtu N]");
    return 2;
}
bool vnet = args.Contains("--vnet-hdr");
int mtu = 0;
int mtuAt = Array.IndexOf(args, "--mtu");
if (mtuAt >= 0 && (mtuAt + 1 >= args.Length || !int.TryParse(args[mtuAt + 1], System.Globalization.CultureInfo.InvariantCulture, out mtu)))
{
    Console.Error.WriteLine("TunRelay: --mtu needs a number");
    return 2;
}

int a = Tun.Open(args[0], vnet, mtu);
int b = Tun.Open(args[1], vnet, mtu);
var forward = new Thread(() => Tun.Relay(a, b)) { IsBackground = true, Name = "a->b" };
var backward = new Thread(() => Tun.Relay(b, a)) { IsBackground = true, Name = "b->a" };
forward.Start();
backward.Start();
Console.WriteLine($"ready {args[0]} <-> {args[1]}{(vnet ? " vnet_hdr" : "")}");
Console.Out.Flush();

using var done = new ManualResetEventSlim();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; done.Set(); });
done.Wait();
Console.WriteLine($"stopped: {Tun.Packets} packets, {Tun.Bytes} bytes");
return 0;

namespace TunRelay
{
    internal static unsafe partial class Tun
    {
        private const uint TUNSETIFF = 0x400454ca;
        private const uint TUNSETOFFLOAD = 0x400454d0;
        private const uint SIOCSIFMTU = 0x8922;
        private const short IFF_TUN = 0x0001;
        private const short IFF_NO_PI = 0x1000;
        private const short IFF_VNET_HDR = 0x4000;
        private const nuint TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04;
        private const int O_RDWR = 2, O_CLOEXEC = 0x80000;

        private static long s_packets, s_bytes;

        public static long Packets => Interlocked.Read(ref s_packets);

        public static long Bytes => Interlocked.Read(ref s_bytes);

        public static int Open(string name, bool vnet, int mtu)
        {
            int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
            Check(fd, "open /dev/net/tun");
            byte* ifr = stackalloc byte[40];
            new Span<byte>(ifr, 40).Clear();
            System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, 15));
            *(short*)(ifr + 16) = (short)(IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0));
            Check(ioctl(fd, TUNSETIFF, ifr), "TUNSETIFF " + name);
            if (vnet)
            {
                Check(ioctl(fd, TUNSETOFFLOAD, (void*)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)), "TUNSETOFFLOAD");
            }
            if (mtu > 0)
            {
                int s = socket(2, 2, 0); // AF_INET, SOCK_DGRAM: the ioctl's handle to the device
                Check(s, "socket");
                *(int*)(ifr + 16) = mtu;
                Check(ioctl(s, SIOCSIFMTU, ifr), "SIOCSIFMTU");
                close(s);
            }
            return fd;
        }

        /// <summary>Reads packets from <paramref name="from"/> and writes each to <paramref name="to"/> until the process ends.</summary>
        public static void Relay(int from, int to)
        {
            byte[] buffer = GC.AllocateArray<byte>(70000, pinned: true);
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = read(from, p, (nuint)buffer.Length);
                    if (n <= 0)
                    {
                        if (n < 0 && Marshal.GetLastPInvokeError() == 4)
                        {
                            continue; // EINTR
                        }
                        return;
                    }
                    // A full queue on the other side drops the packet, as a congested link would.
                    write(to, p, (nuint)n);
                    Interlocked.Increment(ref s_packets);
                    Interlocked.Add(ref s_bytes, n);
                }
            }
        }

        private static void Check(int result, string what)
        {
            if (result < 0)
            {
                throw new InvalidOperationException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        private static partial int ioctl(int fd, nuint request, void* argument);

        [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
        private static partial int socket(int domain, int type, int protocol);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        private static partial int close(int fd);

        [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
        private static partial nint read(int fd, byte* buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        private static partial nint write(int fd, byte* buffer, nuint count);
    }
}
