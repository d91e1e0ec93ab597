using System.Buffers.Binary;
using System.Text;
using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary>
/// <c>getsockopt</c>/<c>setsockopt</c> for the options the stack has, with Linux's conventions (SO_SNDBUF and
/// SO_RCVBUF report twice the value set, TCP_MAXSEG the sending MSS). Anything else answers ENOPROTOOPT.
/// </summary>
internal static class SocketOptions
{
    public const int SOL_SOCKET = 1, IPPROTO_TCP = 6;
    public const int SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9,
        SO_LINGER = 13, SO_REUSEPORT = 15;
    public const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
        TCP_INFO = 11, TCP_CONGESTION = 13;
    public const int TCP_CORK = 3;

    public static long Set(DrillSocket socket, int level, int name, ReadOnlySpan<byte> value)
    {
        TcpEndpointOptions options = socket.LiveOptions;
        int number = value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value) : 0;
        if (level == SOL_SOCKET && name != SO_LINGER && value.Length < 4)
        {
            return -Errno.EINVAL;
        }
        switch ((level, name))
        {
            case (SOL_SOCKET, SO_REUSEADDR):
            case (SOL_SOCKET, SO_REUSEPORT):
                socket.ReuseAddress = number != 0; // our port manager lets a listener rebind after its connections end
                return 0;
            case (SOL_SOCKET, SO_SNDBUF):
                options.SendBufferSize = Math.Max(4608, 2 * number); // Linux doubles the value, as it reports it
                socket.SendBufferSet = true;
                return 0;
            case (SOL_SOCKET, SO_RCVBUF):
                options.ReceiveBufferSize = Math.Max(2304, number);
                options.ReceiveBufferAutoTuning = false;
                socket.Endpoint?.OptionsChanged();
                return 0;
            case (SOL_SOCKET, SO_KEEPALIVE):
                options.KeepAlive = number != 0;
                socket.Endpoint?.OptionsChanged();
                return 0;
            case (SOL_SOCKET, SO_LINGER):
                if (value.Length < 8)
                {
                    return -Errno.EINVAL;
                }
                options.LingerZero = number != 0 && BinaryPrimitives.ReadInt32LittleEndian(value[4..]) == 0;
                return 0;
            case (IPPROTO_TCP, TCP_NODELAY):
                options.NoDelay = number != 0;
                socket.Endpoint?.OptionsChanged(push: number != 0); // tcp(7): setting it flushes, even while corked
                return 0;
            case (IPPROTO_TCP, TCP_CORK):
                options.Cork = number != 0;
                socket.Endpoint?.OptionsChanged();
                return 0;
            case (IPPROTO_TCP, TCP_KEEPIDLE):
            case (IPPROTO_TCP, TCP_KEEPINTVL):
            case (IPPROTO_TCP, TCP_KEEPCNT):
                return SetKeepAlive(socket, options, name, number);
            case (IPPROTO_TCP, TCP_CONGESTION):
                return SetCongestion(socket, options, value);
            default:
                return -Errno.ENOPROTOOPT;
        }
    }

    private static long SetKeepAlive(DrillSocket socket, TcpEndpointOptions options, int name, int number)
    {
        if (number < 1)
        {
            return -Errno.EINVAL;
        }
        switch (name)
        {
            case TCP_KEEPIDLE:
                options.KeepAliveTime = TimeSpan.FromSeconds(number);
                break;
            case TCP_KEEPINTVL:
                options.KeepAliveInterval = TimeSpan.FromSeconds(number);
                break;
            default:
                options.KeepAliveProbes = number;
                break;
        }
        socket.Endpoint?.OptionsChanged();
        return 0;
    }

    private static long SetCongestion(DrillSocket socket, TcpEndpointOptions options, ReadOnlySpan<byte> value)
    {
        int end = value.IndexOf((byte)0);
        string name = Encoding.ASCII.GetString(end < 0 ? value : value[..end]);
        try
        {
            if (socket.Endpoint is TcpEndpoint endpoint)
            {
                endpoint.SetCongestionControl(name);
            }
            else
            {
                options.CongestionControl = name;
            }
            return 0;
        }
        catch (ArgumentException)
        {
            return -2; // ENOENT, as Linux for an unknown algorithm
        }
    }

    /// <summary>Writes the option into <paramref name="value"/>; returns the length written or <c>-errno</c>.</summary>
    public static long Get(DrillSocket socket, int level, int name, Span<byte> value)
    {
        TcpEndpointOptions options = socket.LiveOptions;
        int number;
        switch ((level, name))
        {
            case (SOL_SOCKET, SO_REUSEADDR):
            case (SOL_SOCKET, SO_REUSEPORT):
                number = socket.ReuseAddress ? 1 : 0;
                break;
            case (SOL_SOCKET, SO_TYPE):
                number = SocketTable.SOCK_STREAM;
                break;
            case (SOL_SOCKET, SO_ERROR):
                number = socket.TakeError();
                break;
            case (SOL_SOCKET, SO_SNDBUF):
                number = options.SendBufferSize;
                break;
            case (SOL_SOCKET, SO_RCVBUF):
                number = options.ReceiveBufferAutoTuning ? options.ReceiveBufferSize : options.ReceiveBufferSize * 2;
                break;
            case (SOL_SOCKET, SO_KEEPALIVE):
                number = options.KeepAlive ? 1 : 0;
                break;
            case (IPPROTO_TCP, TCP_NODELAY):
                number = options.NoDelay ? 1 : 0;
                break;
            case (IPPROTO_TCP, TCP_CORK):
                number = options.Cork ? 1 : 0;
                break;
            case (IPPROTO_TCP, TCP_MAXSEG):
                number = socket.Endpoint is TcpEndpoint e && e.State != TcpConnectionState.SynSent ? e.GetInfo().SendMss : 536;
                break;
            case (IPPROTO_TCP, TCP_KEEPIDLE):
                number = (int)options.KeepAliveTime.TotalSeconds;
                break;
            case (IPPROTO_TCP, TCP_KEEPINTVL):
                number = (int)options.KeepAliveInterval.TotalSeconds;
                break;
            case (IPPROTO_TCP, TCP_KEEPCNT):
                number = options.KeepAliveProbes;
                break;
            case (IPPROTO_TCP, TCP_INFO):
                return socket.Endpoint is TcpEndpoint info ? LinuxTcpInfo.Write(info, value) : LinuxTcpInfo.WriteClosed(value);
            case (IPPROTO_TCP, TCP_CONGESTION):
                string cc = socket.Endpoint?.CongestionControlName ?? options.CongestionControl;
                int n = Math.Min(value.Length, 16);
                value[..n].Clear();
                Encoding.ASCII.GetBytes(cc.AsSpan(0, Math.Min(cc.Length, n)), value);
                return n;
            default:
                return -Errno.ENOPROTOOPT;
        }
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, number);
        int length = Math.Min(4, value.Length);
        four[..length].CopyTo(value);
        return length;
    }
}
