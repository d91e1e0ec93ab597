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
    public const int SOL_IP = 0, SOL_SOCKET = 1, IPPROTO_TCP = 6, SOL_IPV6 = 41;
    public const int IP_TOS = 1, IP_MTU_DISCOVER = 10, IPV6_TCLASS = 67;
    public const int IP_PMTUDISC_DONT = 0, IP_PMTUDISC_OMIT = 5;
    public const int SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9,
        SO_LINGER = 13, SO_REUSEPORT = 15;
    public const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
        TCP_INFO = 11, TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18, TCP_NOTSENT_LOWAT = 25, TCP_INQ = 36;
    public const int TCP_CORK = 3;

    public static long Set(DrillSocket socket, int level, int name, ReadOnlySpan<byte> value)
    {
        TcpEndpointOptions options = socket.LiveOptions;
        // Linux's IP-level options take an int or a single byte (do_ip_setsockopt); the others need an int.
        int number = value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value) : level == SOL_IP && value.Length > 0 ? value[0] : 0;
        if ((level is SOL_SOCKET or SOL_IPV6 && name != SO_LINGER && value.Length < 4) || (level == SOL_IP && value.IsEmpty))
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
            case (IPPROTO_TCP, TCP_MAXSEG or TCP_USER_TIMEOUT or TCP_NOTSENT_LOWAT or TCP_INQ):
                return SetSendOption(socket, options, name, number);
            case (SOL_IP, IP_MTU_DISCOVER or IP_TOS):
            case (SOL_IPV6, IPV6_TCLASS):
                return SetIpOption(socket, options, level, name, number);
            default:
                return -Errno.ENOPROTOOPT;
        }
    }

    /// <summary>TCP_MAXSEG, TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT and TCP_INQ, with Linux's ranges.</summary>
    private static long SetSendOption(DrillSocket socket, TcpEndpointOptions options, int name, int number)
    {
        switch (name)
        {
            case TCP_MAXSEG:
                if (number != 0 && number is < 88 or > 32767)
                {
                    return -Errno.EINVAL;
                }
                options.MaxSegmentSize = number;
                return 0;
            case TCP_USER_TIMEOUT:
                if (number < 0)
                {
                    return -Errno.EINVAL;
                }
                options.UserTimeout = TimeSpan.FromMilliseconds(number);
                socket.Endpoint?.OptionsChanged();
                return 0;
            case TCP_NOTSENT_LOWAT:
                // An unsigned value; 0 means the sysctl's (net.ipv4.tcp_notsent_lowat), and getsockopt reports what was set.
                socket.NotSentLowWatermarkSet = (uint)number;
                options.NotSentLowWatermark = number == 0 ? socket.DefaultNotSentLowWatermark : (int)Math.Min((uint)number, int.MaxValue);
                socket.Endpoint?.OptionsChanged();
                return 0;
            default:
                socket.ReportInq = number != 0;
                return 0;
        }
    }

    /// <summary>IP_MTU_DISCOVER, and IP_TOS / IPV6_TCLASS on a socket of that family.</summary>
    private static long SetIpOption(DrillSocket socket, TcpEndpointOptions options, int level, int name, int number)
    {
        if (name == IP_MTU_DISCOVER && level == SOL_IP)
        {
            if (number is < IP_PMTUDISC_DONT or > IP_PMTUDISC_OMIT)
            {
                return -Errno.EINVAL;
            }
            socket.MtuDiscover = number; // DONT: no DF, no PMTU; WANT, DO and the rest: DF, as Linux's TCP does
            options.DontFragment = number != IP_PMTUDISC_DONT;
            return 0;
        }
        if (socket.Family != (level == SOL_IP ? SocketAddress.AF_INET : SocketAddress.AF_INET6))
        {
            return -Errno.ENOPROTOOPT;
        }
        if (level == SOL_IPV6 && number is < -1 or > 255)
        {
            return -Errno.EINVAL;
        }
        options.TypeOfService = (byte)(number == -1 ? 0 : number); // IPV6_TCLASS -1: the default
        return 0;
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
                // Linux: the sending MSS once connected; before, the clamp set (user_mss) or the default 536.
                number = socket.Endpoint is TcpEndpoint e && e.State != TcpConnectionState.SynSent ? e.GetInfo().SendMss
                    : options.MaxSegmentSize > 0 ? options.MaxSegmentSize : 536;
                break;
            case (IPPROTO_TCP, TCP_USER_TIMEOUT):
                number = (int)options.UserTimeout.TotalMilliseconds;
                break;
            case (IPPROTO_TCP, TCP_NOTSENT_LOWAT):
                number = (int)socket.NotSentLowWatermarkSet;
                break;
            case (IPPROTO_TCP, TCP_INQ):
                number = socket.ReportInq ? 1 : 0;
                break;
            case (SOL_IP, IP_MTU_DISCOVER):
                number = socket.MtuDiscover;
                break;
            case (SOL_IP, IP_TOS) when socket.Family == SocketAddress.AF_INET:
            case (SOL_IPV6, IPV6_TCLASS) when socket.Family == SocketAddress.AF_INET6:
                number = options.TypeOfService;
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
