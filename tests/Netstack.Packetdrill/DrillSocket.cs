using System.Net;
using System.Net.Sockets;
using Netstack.Sockets;
using Netstack.Transport.Tcp;
using Netstack.Wire;

namespace Netstack.Packetdrill;

/// <summary>
/// One TCP socket behind a packetdrill file descriptor: before <c>listen</c>/<c>connect</c> just its options and bound
/// address, then a listener or a connection of the stack. Every operation is non-blocking and answers a count or
/// <c>-errno</c>; <see cref="SocketTable"/> turns EAGAIN into blocking for blocking sockets.
/// </summary>
internal sealed class DrillSocket(PacketdrillHost host, int family)
{
    public int Family { get; } = family;

    public bool NonBlocking { get; set; }

    public IPEndPoint? Bound { get; private set; }

    public TcpConnectionListener? Listener { get; private set; }

    public TcpEndpoint? Endpoint { get; private set; }

    public bool ReadShutdown { get; private set; }

    /// <summary>The options a connection made from this socket starts with (SO_SNDBUF, TCP_NODELAY, ...).</summary>
    public TcpEndpointOptions Options { get; } = DefaultOptions(host);

    /// <summary>The options in force: the connection's, the listener's, or the socket's own before either.</summary>
    public TcpEndpointOptions LiveOptions => Endpoint?.Options ?? Listener?.Socket.Options ?? Options;

    /// <summary>SO_REUSEADDR as set (reported back; our port manager needs no permission to rebind).</summary>
    public bool ReuseAddress { get; set; }

    /// <summary>Whether SO_SNDBUF was set (Linux then reports twice the value).</summary>
    public bool SendBufferSet { get; set; }

    /// <summary>TCP_NOTSENT_LOWAT as set (0: the sysctl's default), which getsockopt reports.</summary>
    public uint NotSentLowWatermarkSet { get; set; }

    /// <summary>The watermark TCP_NOTSENT_LOWAT 0 stands for: the script's net.ipv4.tcp_notsent_lowat, or none.</summary>
    public int DefaultNotSentLowWatermark => DefaultOptions(host).NotSentLowWatermark;

    /// <summary>IP_MTU_DISCOVER as set (IP_PMTUDISC_WANT, 1, by default, as Linux).</summary>
    public int MtuDiscover { get; set; } = 1;

    /// <summary>TCP_INQ: recvmsg adds a TCP_CM_INQ control message with the bytes left to read.</summary>
    public bool ReportInq { get; set; }

    private bool _errorReported;

    /// <summary>SO_ERROR: the error that ended the connection, reported once.</summary>
    public int TakeError()
    {
        if (_errorReported || Endpoint is null || Endpoint.Error is SocketError.Success or SocketError.OperationAborted)
        {
            return 0;
        }
        _errorReported = true;
        return Errno.From(Endpoint.Error);
    }

    /// <summary>
    /// Linux's defaults as packetdrill's scripts set them (tcp_rmem "4096 540000 15728640", tcp_wmem default 256 KiB,
    /// tcp_slow_start_after_idle 0), then what the script's own init commands set (<see cref="ScriptSysctls"/>).
    /// </summary>
    public static TcpEndpointOptions DefaultOptions(PacketdrillHost host)
    {
        var options = new TcpEndpointOptions
        {
            ReceiveBufferSize = 540000,
            MaxReceiveBufferSize = 15 * 1024 * 1024,
            SendBufferSize = 256 * 1024,
            SlowStartAfterIdle = false,
        };
        host.Sysctls.Apply(options);
        host.Link.SegmentsInSoftware = host.Sysctls.SegmentationOff();
        return options;
    }

    public static DrillSocket Accepted(PacketdrillHost host, int family, TcpEndpoint endpoint)
    {
        var socket = new DrillSocket(host, family) { Endpoint = endpoint };
        return socket;
    }

    public long Bind(IPEndPoint address)
    {
        if (Bound is not null || Endpoint is not null || Listener is not null)
        {
            return -Errno.EINVAL;
        }
        host.EnsureLocal(address.Address);
        Bound = address;
        return 0;
    }

    public long Listen(int backlog)
    {
        if (Endpoint is not null)
        {
            return -Errno.EINVAL;
        }
        if (Listener is not null)
        {
            return 0;
        }
        IPAddress any = Family == SocketAddress.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any;
        try
        {
            Listener = host.Stack.ListenTcp(Bound ?? new IPEndPoint(any, 0), Math.Max(1, backlog + 1), Options);
            return 0;
        }
        catch (SocketException e)
        {
            return -Errno.From(e.SocketErrorCode);
        }
    }

    /// <summary>The next established child, or EAGAIN.</summary>
    public TcpEndpoint? TryAccept(out long result)
    {
        if (Listener is null)
        {
            result = -Errno.EINVAL;
            return null;
        }
        TcpEndpoint? child = Listener.Socket.TryAccept(armWaiter: false, out SocketError error);
        result = child is not null ? 0 : error != SocketError.Success ? -Errno.From(error) : -Errno.EAGAIN;
        return child;
    }

    /// <summary>Starts an active open; EINPROGRESS while it runs (<see cref="PollConnect"/> tells the end).</summary>
    public long Connect(IPEndPoint remote)
    {
        if (Listener is not null)
        {
            return -Errno.EISCONN;
        }
        if (Endpoint is not null)
        {
            SocketError state = Endpoint.PollConnect(armWaiter: false);
            return state switch
            {
                SocketError.IOPending => -Errno.EALREADY,
                SocketError.Success => -Errno.EISCONN,
                _ => -Errno.From(state),
            };
        }
        NetAddress local = Bound is null ? default : NetAddress.FromIPAddress(Bound.Address);
        ushort localPort = (ushort)(Bound?.Port ?? 0);
        TcpEndpoint endpoint = host.Stack.GetTcp().Connect(NetAddress.FromIPAddress(remote.Address), (ushort)remote.Port, out SocketError error, Options, local, localPort);
        if (error != SocketError.Success)
        {
            return -Errno.From(error);
        }
        Endpoint = endpoint;
        return -Errno.EINPROGRESS;
    }

    /// <summary>0 once connected, EINPROGRESS while connecting, or the error that ended the attempt.</summary>
    public long PollConnect()
    {
        if (Endpoint is null)
        {
            return -Errno.ENOTCONN;
        }
        SocketError state = Endpoint.PollConnect(armWaiter: false);
        return state switch
        {
            SocketError.IOPending => -Errno.EINPROGRESS,
            SocketError.Success => 0,
            _ => -Errno.From(state),
        };
    }

    public long Read(Span<byte> destination)
    {
        if (Endpoint is null)
        {
            return -Errno.ENOTCONN;
        }
        if (ReadShutdown && Endpoint.Available == 0)
        {
            return 0;
        }
        int read = Endpoint.Receive(destination, armWaiter: false, out bool endOfStream, out SocketError error);
        if (read > 0 || endOfStream || destination.IsEmpty)
        {
            return read;
        }
        if (error != SocketError.Success)
        {
            return -Errno.From(error);
        }
        return Endpoint.State is TcpConnectionState.SynSent or TcpConnectionState.SynReceived or TcpConnectionState.Established
            or TcpConnectionState.FinWait1 or TcpConnectionState.FinWait2 ? -Errno.EAGAIN : 0;
    }

    public long Write(ReadOnlySpan<byte> source, TcpWriteFlags flags = TcpWriteFlags.None)
    {
        if (Endpoint is null)
        {
            return -Errno.EPIPE;
        }
        int written = Endpoint.Send(source, flags, armWaiter: false, out SocketError error);
        if (written > 0 || source.IsEmpty)
        {
            return written;
        }
        return error == SocketError.Success ? -Errno.EAGAIN : -Errno.From(error);
    }

    public long Shutdown(int how)
    {
        if (Endpoint is null)
        {
            return -Errno.ENOTCONN;
        }
        if (how is 0 or 2)
        {
            ReadShutdown = true;
        }
        if (how is 1 or 2)
        {
            Endpoint.Shutdown();
        }
        return how is 0 or 1 or 2 ? 0 : -Errno.EINVAL;
    }

    public void Close()
    {
        Listener?.Dispose();
        Endpoint?.Close();
    }
}
