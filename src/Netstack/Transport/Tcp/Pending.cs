// TODO(tcp): placeholders until the `tcpalg` and `wire` branches land; delete this file then.
namespace Netstack.Wire
{
    [Flags]
    public enum TcpFlags : byte
    {
        None = 0,
        Fin = 1,
        Syn = 2,
        Rst = 4,
        Psh = 8,
        Ack = 16,
        Urg = 32,
        Ece = 64,
        Cwr = 128,
    }
}

namespace Netstack.Transport.Tcp
{
    public readonly record struct SeqNumber(uint Value) : IComparable<SeqNumber>
    {
        public static SeqNumber operator +(SeqNumber s, uint n) => new(s.Value + n);
        public static SeqNumber operator +(SeqNumber s, int n) => new(s.Value + (uint)n);
        public static SeqNumber operator -(SeqNumber s, uint n) => new(s.Value - n);
        public static int operator -(SeqNumber a, SeqNumber b) => (int)(a.Value - b.Value);
        public static bool operator <(SeqNumber a, SeqNumber b) => (int)(a.Value - b.Value) < 0;
        public static bool operator >(SeqNumber a, SeqNumber b) => (int)(a.Value - b.Value) > 0;
        public static bool operator <=(SeqNumber a, SeqNumber b) => (int)(a.Value - b.Value) <= 0;
        public static bool operator >=(SeqNumber a, SeqNumber b) => (int)(a.Value - b.Value) >= 0;
        public int CompareTo(SeqNumber other) => (int)(Value - other.Value);
        public static SeqNumber Max(SeqNumber a, SeqNumber b) => a > b ? a : b;
        public static SeqNumber Min(SeqNumber a, SeqNumber b) => a < b ? a : b;
        /// <summary>start &lt;= this &lt; start + size.</summary>
        public bool InWindow(SeqNumber start, uint size) => Value - start.Value < size;
        public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

namespace Netstack.Transport.Tcp
{
    public readonly record struct FourTuple(Wire.NetAddress LocalAddress, ushort LocalPort, Wire.NetAddress RemoteAddress, ushort RemotePort);
}

namespace Netstack.Transport.Tcp
{
    public interface ICongestionControl
    {
        string Name { get; }
        uint CongestionWindow { get; }
        uint SlowStartThreshold { get; }
        bool InSlowStart { get; }
        void Init(uint mss, TimeSpan now);
        void OnAck(uint ackedBytes, uint bytesInFlight, TimeSpan now, TimeSpan minRtt);
        void OnEnterRecovery(uint bytesInFlight, TimeSpan now);
        void OnExitRecovery(TimeSpan now);
        void OnRetransmitTimeout(uint bytesInFlight, TimeSpan now);
        void OnIdle(TimeSpan idle, TimeSpan rto, TimeSpan now);
    }

    /// <summary>TODO(tcp): placeholder until tcpalg's NewReno/Cubic land: no congestion limit.</summary>
    internal sealed class UnlimitedCongestionControl : ICongestionControl
    {
        public string Name => "none";
        public uint CongestionWindow => uint.MaxValue;
        public uint SlowStartThreshold => uint.MaxValue;
        public bool InSlowStart => true;
        public void Init(uint mss, TimeSpan now) { }
        public void OnAck(uint ackedBytes, uint bytesInFlight, TimeSpan now, TimeSpan minRtt) { }
        public void OnEnterRecovery(uint bytesInFlight, TimeSpan now) { }
        public void OnExitRecovery(TimeSpan now) { }
        public void OnRetransmitTimeout(uint bytesInFlight, TimeSpan now) { }
        public void OnIdle(TimeSpan idle, TimeSpan rto, TimeSpan now) { }
    }
}
