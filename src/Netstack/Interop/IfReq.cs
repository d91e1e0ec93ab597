using System.Runtime.InteropServices;
using System.Text;

namespace Netstack.Interop;

/// <summary>
/// C <c>struct ifreq</c> (linux/if.h): an interface name of up to <see cref="NameSize"/> - 1 bytes followed by a
/// 24-byte union, of which the TUN and netdevice ioctls use the flags (<c>ifr_flags</c>) and MTU (<c>ifr_mtu</c>).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct IfReq
{
    /// <summary>IFNAMSIZ: the name buffer, including the terminating NUL.</summary>
    public const int NameSize = 16;

    [FieldOffset(0)]
    public fixed byte Name[NameSize];

    /// <summary><c>ifr_flags</c> (a C short).</summary>
    [FieldOffset(16)]
    public short Flags;

    /// <summary><c>ifr_mtu</c> (a C int in the same union).</summary>
    [FieldOffset(16)]
    public int Mtu;

    /// <summary><c>ifr_qlen</c> (SIOCGIFTXQLEN / SIOCSIFTXQLEN).</summary>
    [FieldOffset(16)]
    public int QueueLength;

    /// <summary>Creates a request for <paramref name="name"/> (already validated as at most 15 ASCII bytes).</summary>
    public static IfReq ForName(string name)
    {
        var request = default(IfReq);
        int written = Encoding.ASCII.GetBytes(name, new Span<byte>(request.Name, NameSize - 1));
        request.Name[written] = 0;
        return request;
    }

    /// <summary>The name as the kernel filled it in (e.g. after <c>tun%d</c> was expanded).</summary>
    public string GetName()
    {
        fixed (byte* p = Name)
        {
            var span = new ReadOnlySpan<byte>(p, NameSize);
            int end = span.IndexOf((byte)0);
            return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
        }
    }
}
