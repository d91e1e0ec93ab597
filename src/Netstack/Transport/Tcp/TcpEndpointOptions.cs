namespace Netstack.Transport.Tcp;

/// <summary>Per-connection settings (the socket options of a Linux TCP socket), copied from a listener to its children.</summary>
public sealed class TcpEndpointOptions
{
    public int SendBufferSize { get; set; } = 256 * 1024;

    /// <summary>The initial receive buffer (and the fixed one when auto-tuning is off).</summary>
    public int ReceiveBufferSize { get; set; } = 256 * 1024;

    /// <summary>Grow the receive buffer with the application's read rate (Linux tcp_moderate_rcvbuf).</summary>
    public bool ReceiveBufferAutoTuning { get; set; } = true;

    /// <summary>The most auto-tuning may grow the receive buffer to (Linux tcp_rmem[2]).</summary>
    public int MaxReceiveBufferSize { get; set; } = 6 * 1024 * 1024;

    /// <summary>Our window scale shift (RFC 7323 §2.2), fixed at the handshake from the largest buffer we may use.</summary>
    internal int WindowShift
    {
        get
        {
            int largest = ReceiveBufferAutoTuning ? Math.Max(ReceiveBufferSize, MaxReceiveBufferSize) : ReceiveBufferSize;
            int shift = 0;
            while (shift < 14 && (largest >> shift) > ushort.MaxValue)
            {
                shift++;
            }
            return shift;
        }
    }

    /// <summary>TCP_NODELAY: send small segments without waiting (disables Nagle, RFC 896).</summary>
    public bool NoDelay { get; set; }

    public bool KeepAlive { get; set; }

    public TimeSpan KeepAliveTime { get; set; } = TimeSpan.FromHours(2);

    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(75);

    public int KeepAliveProbes { get; set; } = 9;

    /// <summary>Abortive close (RST) on dispose, like SO_LINGER with a zero timeout.</summary>
    public bool LingerZero { get; set; }

    public bool Timestamps { get; set; } = true;

    public bool Sack { get; set; } = true;

    public bool WindowScaling { get; set; } = true;

    /// <summary>SYN retransmissions before a connect fails with TimedOut (Linux tcp_syn_retries).</summary>
    public int SynRetries { get; set; } = 6;

    /// <summary>Retransmissions of data before the connection fails (Linux tcp_retries2).</summary>
    public int MaxRetransmits { get; set; } = 15;

    /// <summary>Total TIME_WAIT duration (2·MSL); Linux uses 60 s.</summary>
    public TimeSpan TimeWaitDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an orphaned connection may stay in FIN_WAIT_2 (Linux tcp_fin_timeout).</summary>
    public TimeSpan FinWait2Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan DelayedAckTimeout { get; set; } = TimeSpan.FromMilliseconds(40);

    public TimeSpan InitialRto { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MinRto { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRto { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>"cubic" (default), "reno" or "newreno" (<see cref="CongestionControlFactory.KnownNames"/>); any other name throws <see cref="ArgumentException"/>.</summary>
    public string CongestionControl
    {
        get => _congestionControl;
        set
        {
            CongestionControlFactory.ThrowIfUnknown(value, nameof(CongestionControl));
            _congestionControl = value;
        }
    }

    private string _congestionControl = "cubic";

    public TcpEndpointOptions Clone() => (TcpEndpointOptions)MemberwiseClone();
}
