namespace Netstack.Transport.Tcp;

/// <summary>
/// What an ACK that newly acknowledged data tells the congestion controller besides the bytes (Linux's
/// <c>struct ack_sample</c> with the socket fields CUBIC reads): <see cref="Rtt"/> is the RTT of the most recently sent
/// segment it acknowledged for the first time, never of a retransmission (Karn's rule; the timestamp echo stands in
/// then, as in Linux <c>tcp_ack_update_rtt</c>); SND.UNA after the ACK and SND.MAX (the highest sequence sent, Linux's
/// <c>snd_nxt</c>) delimit HyStart's rounds; SRTT and the flight give the pacing rate.
/// </summary>
internal readonly record struct AckRttSample(TimeSpan Rtt, SeqNumber SndUna, SeqNumber SndMax, TimeSpan SmoothedRtt, uint BytesInFlight);
