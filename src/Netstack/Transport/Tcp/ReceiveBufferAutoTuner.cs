namespace Netstack.Transport.Tcp;

/// <summary>
/// Receive-buffer auto-tuning in the manner of Linux <c>tcp_rcv_space_adjust</c> (Dynamic Right-Sizing,
/// Fisk and Feng; RFC 7323 §2 explains why windows beyond 64 KiB need scaling). Once per receiver-side
/// RTT it measures how many bytes the application consumed; when that exceeds the previous RTT's amount
/// it grows the buffer to twice the amount (to survive a loss) plus a 16-segment cushion, plus twice the
/// growth to follow a sender in slow start, never above the configured maximum and never shrinking.
/// The endpoint calls <see cref="OnCopied"/> as the application reads and <see cref="Adjust"/> after
/// reads with the stack time and its receiver RTT estimate, and advertises windows up to <see cref="Buffer"/>.
/// </summary>
internal sealed class ReceiveBufferAutoTuner
{
    private const uint CushionSegments = 16;
    private const uint InitialWindowSegments = 10;

    private readonly uint _maxBuffer;
    private readonly uint _advMss;
    private ulong _copied;
    private ulong _measureStartCopied;
    private TimeSpan _measureStart;
    private bool _measuring;

    /// <summary>Creates a tuner starting at <paramref name="initialBuffer"/> bytes, growing up to <paramref name="maxBuffer"/> (Linux <c>tcp_rmem[2]</c>), for segments of <paramref name="advMss"/> bytes.</summary>
    public ReceiveBufferAutoTuner(uint initialBuffer, uint maxBuffer, uint advMss)
    {
        ArgumentOutOfRangeException.ThrowIfZero(advMss);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuffer, initialBuffer);
        _maxBuffer = maxBuffer;
        _advMss = advMss;
        Buffer = initialBuffer;
        Space = Math.Min(initialBuffer, InitialWindowSegments * advMss);
    }

    /// <summary>The current receive buffer target in bytes.</summary>
    public uint Buffer { get; private set; }

    /// <summary>The bytes consumed during the last measured RTT (Linux <c>rcvq_space.space</c>).</summary>
    public uint Space { get; private set; }

    /// <summary>The application consumed <paramref name="bytes"/> bytes from the receive queue.</summary>
    public void OnCopied(uint bytes) => _copied += bytes;

    /// <summary>
    /// Closes a measurement interval if at least one <paramref name="rtt"/> has passed since it began, and
    /// grows <see cref="Buffer"/> when the application consumed more than in the previous interval.
    /// Returns true when the buffer grew. Without an RTT estimate nothing is measured.
    /// </summary>
    public bool Adjust(TimeSpan now, TimeSpan rtt)
    {
        if (!_measuring)
        {
            _measuring = true;
            _measureStart = now;
            _measureStartCopied = _copied;
            return false;
        }
        if (rtt <= TimeSpan.Zero || now - _measureStart < rtt)
        {
            return false;
        }
        ulong copied = _copied - _measureStartCopied;
        _measureStart = now;
        _measureStartCopied = _copied;
        if (copied <= Space)
        {
            return false;
        }

        // Linux: rcvwin = 2·copied + 16·advmss; rcvwin += 2 · rcvwin · (copied − space) / space.
        ulong window = (copied << 1) + CushionSegments * _advMss;
        ulong space = Math.Max(Space, 1u);
        window += 2 * (window * (copied - space) / space);
        Space = (uint)Math.Min(copied, uint.MaxValue);
        uint target = (uint)Math.Min(window, _maxBuffer);
        if (target <= Buffer)
        {
            return false;
        }
        Buffer = target;
        return true;
    }
}
