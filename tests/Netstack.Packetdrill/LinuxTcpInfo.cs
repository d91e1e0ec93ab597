using System.Buffers.Binary;
using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary>
/// Linux's <c>struct tcp_info</c> (TCP_INFO) filled from <see cref="TcpInfo"/>: the fields the stack has (state, ca_state, sacked, lost,
/// options, window scales, RTO, RTT, both MSS, cwnd and ssthresh in segments, reordering, times since the last data,
/// byte counters, the busy/rwnd-limited/sndbuf-limited times, windows); the others stay 0.
/// </summary>
internal static class LinuxTcpInfo
{
    public const int Size = 248;
    private const uint InfiniteSsthresh = 0x7fffffff;

    public static long WriteClosed(Span<byte> value)
    {
        Span<byte> info = stackalloc byte[Size];
        info.Clear();
        info[0] = 7; // TCP_CLOSE
        return CopyOut(info, value);
    }

    public static long Write(TcpEndpoint endpoint, Span<byte> value)
    {
        TcpInfo i = endpoint.GetInfo();
        Span<byte> info = stackalloc byte[Size];
        info.Clear();
        int mss = Math.Max(1, i.SendMss);
        info[0] = LinuxState(i.State);
        info[1] = (byte)i.CongestionState; // our values are Linux's TCP_CA_*
        info[5] = (byte)((i.Timestamps ? 1 : 0) | (i.Sack ? 2 : 0) | (i.SendWindowScale > 0 || i.ReceiveWindowScale > 0 ? 4 : 0));
        info[6] = (byte)((i.SendWindowScale & 0xF) | ((i.ReceiveWindowScale & 0xF) << 4));
        U32(info, 8, Micros(i.Rto));
        U32(info, 16, (uint)i.SendMss);
        U32(info, 20, (uint)i.ReceiveMss);
        U32(info, 24, (uint)((i.BytesInFlight + mss - 1) / mss));
        U32(info, 28, i.SackedBytes / (uint)mss);
        U32(info, 32, (i.LostBytes + (uint)mss - 1) / (uint)mss);
        U32(info, 44, Millis(i.SinceLastDataSent));
        U32(info, 52, Millis(i.SinceLastDataReceived));
        U32(info, 60, 1500);
        U32(info, 68, Micros(i.SmoothedRtt));
        U32(info, 72, Micros(i.RttVariance));
        U32(info, 76, i.SlowStartThreshold == uint.MaxValue ? InfiniteSsthresh : i.SlowStartThreshold / (uint)mss);
        U32(info, 80, i.CongestionWindow / (uint)mss);
        U32(info, 84, (uint)i.AdvertisedMss);
        U32(info, 88, (uint)i.Reordering);
        U32(info, 100, (uint)i.Retransmits);
        U64(info, 120, (ulong)Math.Max(0, i.BytesSent - i.BytesInFlight));
        U64(info, 128, (ulong)i.BytesReceived);
        U32(info, 144, (uint)Math.Max(0, i.SendBufferBytes - i.BytesInFlight));
        U32(info, 148, i.MinRtt == TimeSpan.MaxValue ? uint.MaxValue : Micros(i.MinRtt));
        U64(info, 168, (ulong)Micros64(i.BusyTime));
        U64(info, 176, (ulong)Micros64(i.ReceiveWindowLimitedTime));
        U64(info, 184, (ulong)Micros64(i.SendBufferLimitedTime));
        U64(info, 200, (ulong)i.BytesSent);
        U32(info, 220, (uint)i.ReorderingEvents);
        U32(info, 228, i.SendWindow);
        U32(info, 232, i.ReceiveWindow);
        return CopyOut(info, value);
    }

    private static long CopyOut(ReadOnlySpan<byte> info, Span<byte> value)
    {
        int n = Math.Min(info.Length, value.Length);
        info[..n].CopyTo(value);
        return n;
    }

    private static uint Micros(TimeSpan t) => t <= TimeSpan.Zero ? 0 : (uint)Math.Min(uint.MaxValue, t.Ticks / 10);

    private static long Micros64(TimeSpan t) => t <= TimeSpan.Zero ? 0 : t.Ticks / 10;

    private static uint Millis(TimeSpan t) => t <= TimeSpan.Zero ? 0 : (uint)Math.Min(uint.MaxValue, t.Ticks / TimeSpan.TicksPerMillisecond);

    private static void U32(Span<byte> info, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(info[offset..], value);

    private static void U64(Span<byte> info, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(info[offset..], value);

    /// <summary>Linux's TCP_* state numbers (include/net/tcp_states.h).</summary>
    private static byte LinuxState(TcpConnectionState state) => state switch
    {
        TcpConnectionState.Established => 1,
        TcpConnectionState.SynSent => 2,
        TcpConnectionState.SynReceived => 3,
        TcpConnectionState.FinWait1 => 4,
        TcpConnectionState.FinWait2 => 5,
        TcpConnectionState.TimeWait => 6,
        TcpConnectionState.CloseWait => 8,
        TcpConnectionState.LastAck => 9,
        TcpConnectionState.Listen => 10,
        TcpConnectionState.Closing => 11,
        _ => 7,
    };
}
