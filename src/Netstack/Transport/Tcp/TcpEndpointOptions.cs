namespace Netstack.Transport.Tcp;

/// <summary>Per-connection settings (the socket options of a Linux TCP socket), copied from a listener to its children.</summary>
public sealed class TcpEndpointOptions
{
    public int SendBufferSize { get; set; } = 256 * 1024;

    public int ReceiveBufferSize { get; set; } = 256 * 1024;

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

    /// <summary>"cubic" (default) or "newreno".</summary>
    public string CongestionControl { get; set; } = "cubic";

    public TcpEndpointOptions Clone() => (TcpEndpointOptions)MemberwiseClone();
}
