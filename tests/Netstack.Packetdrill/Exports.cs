using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Netstack.Packetdrill;

/// <summary>
/// The C face of the library: <c>packetdrill_interface_init</c> fills packetdrill's <c>struct packetdrill_interface</c>
/// (packetdrill.h) with the entry points below. Each entry point answers as the Linux call would: a result, or -1 with
/// errno set; an exception inside the stack becomes -1/EIO, never a crash of packetdrill. The entry points that are
/// not system calls (clock, packets) leave errno as they found it, because packetdrill reads errno after a call and
/// may read the clock in between.
/// </summary>
internal static unsafe partial class Exports
{
    private static PacketdrillHost? s_host;

    private static PacketdrillHost Host => s_host ?? throw new InvalidOperationException("packetdrill_interface_init was not called.");

    /// <summary>packetdrill's <c>struct packetdrill_interface</c>, field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Interface
    {
        public nint UserData, Free, Socket, Bind, Listen, Accept, Connect, Read, Readv, Recv, Recvfrom, Recvmsg, Write,
            Writev, Send, Sendto, Sendmsg, Fcntl, Ioctl, Close, Shutdown, Getsockopt, Setsockopt, Poll, NetdevSend,
            NetdevReceive, Usleep, Gettimeofday, EpollCreate, EpollCtl, EpollWait, Pipe, Splice;
    }

    [UnmanagedCallersOnly(EntryPoint = "packetdrill_interface_init")]
    private static void Init(byte* flags, Interface* ifc)
    {
        *ifc = default;
        try
        {
            EndPreloadForChildren();
            s_host?.Dispose();
            s_host = new PacketdrillHost(flags == null ? null : Marshal.PtrToStringUTF8((nint)flags));
        }
        catch (Exception e)
        {
            Report(e); // packetdrill then fails on the first call, which finds no stack
            return;
        }
        ifc->Free = (nint)(delegate* unmanaged<void*, void>)&Free;
        ifc->Socket = (nint)(delegate* unmanaged<void*, int, int, int, int>)&Calls.Socket;
        ifc->Bind = (nint)(delegate* unmanaged<void*, int, byte*, uint, int>)&Calls.Bind;
        ifc->Listen = (nint)(delegate* unmanaged<void*, int, int, int>)&Calls.Listen;
        ifc->Accept = (nint)(delegate* unmanaged<void*, int, byte*, uint*, int>)&Calls.Accept;
        ifc->Connect = (nint)(delegate* unmanaged<void*, int, byte*, uint, int>)&Calls.Connect;
        ifc->Read = (nint)(delegate* unmanaged<void*, int, byte*, nuint, nint>)&Calls.Read;
        ifc->Readv = (nint)(delegate* unmanaged<void*, int, IoVec*, int, nint>)&Calls.Readv;
        ifc->Recv = (nint)(delegate* unmanaged<void*, int, byte*, nuint, int, nint>)&Calls.Recv;
        ifc->Recvfrom = (nint)(delegate* unmanaged<void*, int, byte*, nuint, int, byte*, uint*, nint>)&Calls.Recvfrom;
        ifc->Recvmsg = (nint)(delegate* unmanaged<void*, int, MsgHdr*, int, nint>)&Calls.Recvmsg;
        ifc->Write = (nint)(delegate* unmanaged<void*, int, byte*, nuint, nint>)&Calls.Write;
        ifc->Writev = (nint)(delegate* unmanaged<void*, int, IoVec*, int, nint>)&Calls.Writev;
        ifc->Send = (nint)(delegate* unmanaged<void*, int, byte*, nuint, int, nint>)&Calls.Send;
        ifc->Sendto = (nint)(delegate* unmanaged<void*, int, byte*, nuint, int, byte*, uint, nint>)&Calls.Sendto;
        ifc->Sendmsg = (nint)(delegate* unmanaged<void*, int, MsgHdr*, int, nint>)&Calls.Sendmsg;
        ifc->Fcntl = (nint)(delegate* unmanaged<void*, int, int, nint, int>)&Calls.Fcntl;
        ifc->Ioctl = (nint)(delegate* unmanaged<void*, int, nuint, byte*, int>)&Calls.Ioctl;
        ifc->Close = (nint)(delegate* unmanaged<void*, int, int>)&Calls.Close;
        ifc->Shutdown = (nint)(delegate* unmanaged<void*, int, int, int>)&Calls.Shutdown;
        ifc->Getsockopt = (nint)(delegate* unmanaged<void*, int, int, int, byte*, uint*, int>)&Calls.Getsockopt;
        ifc->Setsockopt = (nint)(delegate* unmanaged<void*, int, int, int, byte*, uint, int>)&Calls.Setsockopt;
        ifc->Poll = (nint)(delegate* unmanaged<void*, PollFd*, nuint, int, int>)&Calls.Poll;
        ifc->NetdevSend = (nint)(delegate* unmanaged<void*, byte*, nuint, int>)&NetdevSend;
        ifc->NetdevReceive = (nint)(delegate* unmanaged<void*, byte*, nuint*, long*, int>)&NetdevReceive;
        ifc->Usleep = (nint)(delegate* unmanaged<void*, uint, int>)&Usleep;
        ifc->Gettimeofday = (nint)(delegate* unmanaged<void*, long*, void*, int>)&Gettimeofday;
        ifc->EpollCreate = (nint)(delegate* unmanaged<void*, int, int>)&Calls.EpollCreate;
        ifc->EpollCtl = (nint)(delegate* unmanaged<void*, int, int, int, byte*, int>)&Calls.EpollCtl;
        ifc->EpollWait = (nint)(delegate* unmanaged<void*, int, byte*, int, int, int>)&Calls.EpollWait;
        ifc->Pipe = (nint)(delegate* unmanaged<void*, int*, int>)&Calls.Pipe;
        ifc->Splice = (nint)(delegate* unmanaged<void*, int, long*, int, long*, nuint, uint, nint>)&Calls.Splice;
    }

    [UnmanagedCallersOnly]
    private static void Free(void* userData)
    {
        int saved = Errno.Value;
        s_host?.Dispose();
        s_host = null;
        Errno.Value = saved;
    }

    [UnmanagedCallersOnly]
    private static int NetdevSend(void* userData, byte* buffer, nuint count)
    {
        int saved = Errno.Value;
        try
        {
            Host.Inject(new ReadOnlySpan<byte>(buffer, (int)count));
            return 0;
        }
        catch (Exception e)
        {
            Report(e);
            return -1;
        }
        finally
        {
            Errno.Value = saved;
        }
    }

    [UnmanagedCallersOnly]
    private static int NetdevReceive(void* userData, byte* buffer, nuint* count, long* timeMicroseconds)
    {
        int saved = Errno.Value;
        try
        {
            if (!Host.RunUntilOutbound(out byte[] packet, out long time))
            {
                *count = 0; // nothing will leave: packetdrill reports the packet it expected as missing
                *timeMicroseconds = Host.Clock.NowMicroseconds;
                return 0;
            }
            int n = (int)Math.Min((ulong)packet.Length, *count);
            packet.AsSpan(0, n).CopyTo(new Span<byte>(buffer, n));
            *count = (nuint)n;
            *timeMicroseconds = time;
            return 0;
        }
        catch (Exception e)
        {
            Report(e);
            *count = 0;
            return 0;
        }
        finally
        {
            Errno.Value = saved;
        }
    }

    [UnmanagedCallersOnly]
    private static int Usleep(void* userData, uint microseconds)
    {
        int saved = Errno.Value;
        try
        {
            Host.Sleep(microseconds);
            return 0;
        }
        catch (Exception e)
        {
            Report(e);
            return -1;
        }
        finally
        {
            Errno.Value = saved;
        }
    }

    [UnmanagedCallersOnly]
    private static int Gettimeofday(void* userData, long* timeval, void* timezone)
    {
        int saved = Errno.Value;
        try
        {
            long now = Host.ReadClock();
            if (timeval != null)
            {
                timeval[0] = now / 1_000_000;
                timeval[1] = now % 1_000_000;
            }
            return 0;
        }
        catch (Exception e)
        {
            Report(e);
            return -1;
        }
        finally
        {
            Errno.Value = saved;
        }
    }

    /// <summary>An exception in the stack: said on stderr, so a failing script shows why.</summary>
    internal static void Report(Exception e, [CallerMemberName] string call = "") =>
        Console.Error.WriteLine($"netstack-packetdrill: {call}: {e.GetType().Name}: {e.Message}");

    internal static PacketdrillHost CurrentHost => Host;

    /// <summary>The stack, or null before <c>packetdrill_interface_init</c> (and in a child process that inherited the preload).</summary>
    internal static PacketdrillHost? CurrentHostOrNull => s_host;

    /// <summary>
    /// The processes packetdrill starts (init commands, the code events' Python) need not load this library: the
    /// preload (<see cref="PreloadedGetsockopt"/>) is for packetdrill alone.
    /// </summary>
    private static void EndPreloadForChildren()
    {
        string? preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        if (preload is not null && preload.Contains("Netstack.Packetdrill", StringComparison.Ordinal))
        {
            UnsetEnvironment("LD_PRELOAD");
        }
    }

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnvironment(string name);
}
