namespace Netstack.Interop;

/// <summary>
/// A connected AF_UNIX stream socket pair and descriptor passing over it (SCM_RIGHTS, unix(7)). Used between
/// <c>netstack run</c> and its namespace helper: a socketpair is not named, so unlike an abstract socket it works
/// across network namespaces (abstract names are per network namespace).
/// </summary>
internal static unsafe class FdPassing
{
    /// <summary>The most descriptors one message carries (a TUN device with up to 16 queues).</summary>
    public const int MaxDescriptors = 16;

    /// <summary>Creates a socket pair; both ends are close-on-exec (clear it with <see cref="ProcessCalls.SetCloseOnExec"/> on the end a child inherits).</summary>
    public static (int First, int Second) CreatePair()
    {
        int* fds = stackalloc int[2];
        if (LibC.SocketPair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) < 0)
        {
            throw Errno.ToException(Errno.Last, "socketpair(AF_UNIX)");
        }
        return (fds[0], fds[1]);
    }

    /// <summary>Sends <paramref name="payload"/> (at least one byte) with <paramref name="descriptors"/> attached (none allowed).</summary>
    public static void Send(int socket, ReadOnlySpan<byte> payload, ReadOnlySpan<int> descriptors)
    {
        if (payload.IsEmpty || descriptors.Length > MaxDescriptors)
        {
            throw new ArgumentException("a message needs a payload and at most 16 descriptors");
        }
        int controlLength = descriptors.IsEmpty ? 0 : Space(descriptors.Length * sizeof(int));
        byte* control = stackalloc byte[Math.Max(controlLength, 8)];
        new Span<byte>(control, Math.Max(controlLength, 8)).Clear();
        if (controlLength > 0)
        {
            var header = (CmsgHdr*)control;
            header->Length = (nuint)(sizeof(CmsgHdr) + descriptors.Length * sizeof(int));
            header->Level = LibC.SOL_SOCKET;
            header->Type = LibC.SCM_RIGHTS;
            descriptors.CopyTo(new Span<int>(control + sizeof(CmsgHdr), descriptors.Length));
        }
        fixed (byte* data = payload)
        {
            var vector = new IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new MsgHdr
            {
                Vectors = &vector,
                VectorCount = 1,
                Control = controlLength > 0 ? control : null,
                ControlLength = (nuint)controlLength,
            };
            while (LibC.SendMsg(socket, &message, 0) < 0)
            {
                int errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    throw Errno.ToException(errno, "sendmsg(SCM_RIGHTS)");
                }
            }
        }
    }

    /// <summary>
    /// Receives one message into <paramref name="payload"/>; the descriptors it carried (close-on-exec) are added to
    /// <paramref name="descriptors"/>. Returns the payload bytes, 0 at end of stream.
    /// </summary>
    public static int Receive(int socket, Span<byte> payload, List<int> descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        int controlLength = Space(MaxDescriptors * sizeof(int));
        byte* control = stackalloc byte[controlLength];
        fixed (byte* data = payload)
        {
            var vector = new IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new MsgHdr { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = (nuint)controlLength };
            nint n;
            while ((n = LibC.RecvMsg(socket, &message, LibC.MSG_CMSG_CLOEXEC)) < 0)
            {
                int errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    throw Errno.ToException(errno, "recvmsg(SCM_RIGHTS)");
                }
            }
            // CMSG_FIRSTHDR / CMSG_NXTHDR, for the headers the kernel filled in (cmsg(3)).
            byte* end = control + (int)message.ControlLength;
            for (byte* p = control; p + sizeof(CmsgHdr) <= end;)
            {
                var header = (CmsgHdr*)p;
                if ((int)header->Length < sizeof(CmsgHdr))
                {
                    break;
                }
                if (header->Level == LibC.SOL_SOCKET && header->Type == LibC.SCM_RIGHTS)
                {
                    int count = ((int)header->Length - sizeof(CmsgHdr)) / sizeof(int);
                    for (int i = 0; i < count; i++)
                    {
                        descriptors.Add(((int*)(p + sizeof(CmsgHdr)))[i]);
                    }
                }
                p += Align((int)header->Length);
            }
            return (int)n;
        }
    }

    private static int Align(int length) => (length + 7) & ~7;

    /// <summary>CMSG_SPACE: a header and <paramref name="dataLength"/> bytes, aligned.</summary>
    private static int Space(int dataLength) => Align(sizeof(CmsgHdr)) + Align(dataLength);
}
