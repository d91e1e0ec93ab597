using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>RTT measurement, retransmission timeout, congestion control and loss recovery (RFC 6298, 5681, 6582).</summary>
public sealed partial class TcpEndpoint
{
    private ICongestionControl _congestion = null!;
    private RttEstimator _rtt = null!;
    private bool _rttTiming;
    private SeqNumber _rttSeq;
    private TimeSpan _rttStart;
    private int _dupAcks;
    private bool _inRecovery;
    private SeqNumber _recover;
    private TimeSpan _minRtt = TimeSpan.MaxValue;

    private static ICongestionControl CreateCongestionControl(string name) =>
        string.Equals(name, "newreno", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "reno", StringComparison.OrdinalIgnoreCase)
            ? new NewReno()
            : new Cubic();

    private long CongestionWindow => _congestion.CongestionWindow;

    private TimeSpan CurrentRto() => _rtt.Rto;

    private void BackOff() => _rtt.Backoff();

    private void TakeRttSampleFromSyn(in TcpSegment seg)
    {
        if (_retransmits == 0)
        {
            AddRttSample(_host.Now - _synSentAt);
        }
        _ = seg;
    }

    private TimeSpan _synSentAt;

    /// <summary>RTT from the echoed timestamp (RFC 7323 §4.1) or from one timed segment (Karn's rule).</summary>
    private void TakeRttSample(in TcpSegment seg)
    {
        if (_timestamps && seg.HasTimestamp && seg.TsEcr != 0)
        {
            uint ms = TsNow - seg.TsEcr;
            if (ms < 600_000)
            {
                AddRttSample(TimeSpan.FromMilliseconds(ms));
            }
        }
        else if (_rttTiming && seg.Ack > _rttSeq)
        {
            _rttTiming = false;
            AddRttSample(_host.Now - _rttStart);
        }
        _rtt.ResetBackoff();
    }

    private void AddRttSample(TimeSpan sample)
    {
        if (sample < _minRtt)
        {
            _minRtt = sample;
        }
        _rtt.AddSample(sample);
    }

    private void DuplicateAck(in TcpSegment seg)
    {
        _ = seg;
        _dupAcks++;
        if (_dupAcks == 3 && !_inRecovery && _sndUna > _recover - 1)
        {
            // RFC 6582 §3.2 step 2: enter fast retransmit / fast recovery.
            _inRecovery = true;
            _recover = _sndMax;
            _congestion.OnEnterRecovery(BytesInFlight, _host.Now);
            TcpStatistics.Increment(ref Stats.TCPFastRetrans);
            RetransmitFirstUnacknowledged();
        }
    }

    private void OnAckedForRecovery(in TcpSegment seg, uint acked)
    {
        if (_inRecovery)
        {
            if (seg.Ack >= _recover)
            {
                _inRecovery = false;
                _dupAcks = 0;
                _congestion.OnExitRecovery(_host.Now);
            }
            else
            {
                // RFC 6582 §3.2 step 5: a partial ACK retransmits the next unacknowledged segment.
                RetransmitFirstUnacknowledged();
            }
            return;
        }
        _dupAcks = 0;
        _congestion.OnAck(acked, BytesInFlight, _host.Now, _minRtt == TimeSpan.MaxValue ? TimeSpan.Zero : _minRtt);
    }

    private void OnRetransmitTimeoutForRecovery()
    {
        _congestion.OnRetransmitTimeout(BytesInFlight, _host.Now);
        _inRecovery = false;
        _dupAcks = 0;
        _recover = _sndMax;
    }

    private uint BytesInFlight => (uint)(_sndMax - _sndUna);

    private void RetransmitFirstUnacknowledged()
    {
        long outstanding = _sndMax - _sndUna;
        int length = (int)Math.Min(Math.Min(_sendMss, _send.Length), outstanding);
        bool fin = _finQueued && !_finAcked && length == _send.Length && outstanding > _send.Length;
        if (length <= 0 && !fin)
        {
            return;
        }
        TcpStatistics.Increment(ref Stats.RetransSegs);
        _retransmitCount++;
        _rttTiming = false;
        SendSegment(fin ? TcpFlags.Ack | TcpFlags.Fin : TcpFlags.Ack, _sndUna, 0, length);
        SetDeadline(TimerKind.Retransmit, CurrentRto());
    }
}
