using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// Explicit Congestion Notification (RFC 3168 §6.1), shaped as Linux's <c>tcp_ecn_*</c>: agreement in the handshake,
/// ECT(0) on new data, ECN-Echo while a CE mark is unanswered, and one window reduction per window of data for an
/// echo, announced to the peer with CWR.
/// </summary>
public sealed partial class TcpEndpoint
{
    private bool _ecn;            // both ends agreed in the handshake (§6.1.1)
    private bool _ecnRequested;   // our SYN is an ECN-setup SYN (ECE and CWR)
    private bool _ecnDemandCwr;   // a CE mark arrived: ECE on everything we send until the peer's CWR (§6.1.3)
    private bool _ecnQueueCwr;    // we reduced cwnd: CWR on the next new data segment (§6.1.2)
    private bool _ecnInCwr;       // a reduction covers the data outstanding when it was made, up to _ecnCwrEnd
    private SeqNumber _ecnCwrEnd;

    /// <summary>
    /// The ECN flags of our SYN or SYN-ACK (§6.1.1): an ECN-setup SYN carries ECE and CWR, an ECN-setup SYN-ACK only ECE.
    /// A retransmitted SYN no longer asks (§6.1.1.1, Linux <c>tcp_ecn_fallback</c>): a middlebox may drop ECN-setup SYNs.
    /// </summary>
    private TcpFlags EcnSynFlags(bool active)
    {
        if (active)
        {
            _ecnRequested = _options.Ecn == TcpEcnMode.RequestAndAccept && _retransmits == 0;
            return _ecnRequested ? TcpFlags.Ece | TcpFlags.Cwr : TcpFlags.None;
        }
        return _ecn ? TcpFlags.Ece : TcpFlags.None;
    }

    /// <summary>
    /// A peer's SYN asks for ECN with ECE and CWR both set (§6.1.1). Like Linux, a SYN that is itself ECT is not taken
    /// as a request: the SYN must be Not-ECT (§6.1.1), so a router or middlebox has been rewriting the field.
    /// </summary>
    internal static bool IsEcnSetupSyn(in TcpSegment syn) =>
        (syn.Flags & (TcpFlags.Ece | TcpFlags.Cwr)) == (TcpFlags.Ece | TcpFlags.Cwr) && syn.IpEcn == EcnCodepoint.NotEct;

    /// <summary>Passive open: ECN when the peer's SYN asks and we accept requests.</summary>
    private void NegotiateEcnOnSyn(in TcpSegment syn) =>
        StartEcn(_options.Ecn != TcpEcnMode.Disabled && IsEcnSetupSyn(syn));

    /// <summary>
    /// Active open: ECN when we asked and the SYN-ACK has ECE without CWR (§6.1.1: a SYN-ACK with both set is a peer that
    /// reflects the flags, not one that agreed).
    /// </summary>
    private void NegotiateEcnOnSynAck(in TcpSegment synAck) =>
        StartEcn(_ecnRequested && synAck.Has(TcpFlags.Syn | TcpFlags.Ack) && (synAck.Flags & (TcpFlags.Ece | TcpFlags.Cwr)) == TcpFlags.Ece);

    /// <summary>A SYN-cookie connection: the agreement rode in the timestamp (Linux <c>cookie_ecn_ok</c>).</summary>
    private void NegotiateEcnFromCookie(bool agreed) => StartEcn(agreed && _options.Ecn != TcpEcnMode.Disabled);

    private void StartEcn(bool agreed)
    {
        _ecn = agreed;
        _ecnDemandCwr = false;
        _ecnQueueCwr = false;
        _ecnInCwr = false;
    }

    /// <summary>
    /// The ECN marks of a synchronized-state segment about to be built: ECE while we owe the peer an echo (§6.1.3), and for
    /// new data ECT(0) (§6.1.4; never pure ACKs, retransmissions or probes, §6.1.5-6) with CWR after a reduction (§6.1.2).
    /// </summary>
    private EcnCodepoint EcnMarkSegment(ref TcpFlags flags, SeqNumber seq, int length)
    {
        if (!_ecn)
        {
            return EcnCodepoint.NotEct;
        }
        if (_ecnDemandCwr)
        {
            flags |= TcpFlags.Ece;
        }
        if (length == 0 || seq < _sender.SndMax)
        {
            return EcnCodepoint.NotEct;
        }
        if (_ecnQueueCwr)
        {
            _ecnQueueCwr = false;
            flags |= TcpFlags.Cwr;
        }
        return EcnCodepoint.Ect0;
    }

    /// <summary>
    /// A data segment we will queue (§6.1.3): the peer's CWR ends the echo we owe, and a CE mark starts one. The first CE is
    /// acknowledged at once: the sender's window may be small (Linux enters quick-ACK mode).
    /// </summary>
    private void EcnOnDataArrives(in TcpSegment seg)
    {
        if (!_ecn)
        {
            return;
        }
        if (seg.Has(TcpFlags.Cwr))
        {
            _ecnDemandCwr = false;
        }
        if (seg.IpEcn == EcnCodepoint.Ce && !_ecnDemandCwr)
        {
            _ecnDemandCwr = true;
            _receiver.AckNow = true;
        }
    }

    /// <summary>
    /// An acceptable ACK: with ECE, reduce the window as for a loss but retransmit nothing (§6.1.2), at most once per window
    /// of data. A loss recovery in progress already reduced it; a reduction ends once data sent after it is acknowledged
    /// (Linux holds CA_CWR until SND.UNA passes high_seq).
    /// </summary>
    private void EcnOnAck(in TcpSegment seg, uint acked)
    {
        if (!_ecn)
        {
            return;
        }
        if (_ecnInCwr && _sender.SndUna > _ecnCwrEnd)
        {
            _ecnInCwr = false;
        }
        if (!seg.Has(TcpFlags.Ece) || seg.Has(TcpFlags.Syn))
        {
            return;
        }
        if (acked > 0)
        {
            Interlocked.Add(ref Stats.TCPDeliveredCE, (acked + (uint)_sender.Mss - 1) / (uint)_sender.Mss);
        }
        if (_inRecovery || _ecnInCwr)
        {
            return;
        }
        _undoArmed = false; // Linux tcp_enter_cwr: a congestion mark is no spurious loss to undo
        _undoTsPending = false;
        _congestion.OnEnterRecovery(BytesInFlight, _host.Now);
        _congestion.OnExitRecovery(_host.Now);
        TcpStatistics.Increment(ref Stats.TCPECNReductions);
        EcnOnWindowReduced();
    }

    /// <summary>
    /// Any window reduction (an echo, fast recovery, a timeout): CWR goes on the next new data segment (§6.1.2), and echoes
    /// for the data outstanding now are not answered again.
    /// </summary>
    private void EcnOnWindowReduced()
    {
        if (!_ecn)
        {
            return;
        }
        _ecnQueueCwr = true;
        _ecnInCwr = true;
        _ecnCwrEnd = _sender.SndMax;
    }
}
