namespace Netstack.Cli.Bench.Iperf3;

/// <summary>Builds an <see cref="Iperf3TestOutcome"/> from our results and the peer's.</summary>
public static class Iperf3Outcomes
{
    public static Iperf3TestOutcome Create(bool weSent, int streams, double seconds, Iperf3Results ours, Iperf3Results peer)
    {
        Iperf3Results sender = weSent ? ours : peer, receiver = weSent ? peer : ours;
        double peerSeconds = 0;
        foreach (Iperf3StreamResult s in peer.Streams)
        {
            peerSeconds = Math.Max(peerSeconds, s.EndTime - s.StartTime);
        }
        return new Iperf3TestOutcome
        {
            WeSent = weSent,
            Streams = streams,
            Seconds = seconds,
            SenderBytes = sender.TotalBytes,
            ReceiverBytes = receiver.TotalBytes,
            Retransmits = sender.TotalRetransmits,
            SenderStreams = sender.Streams,
            ReceiverStreams = receiver.Streams,
            PeerSeconds = peerSeconds,
        };
    }
}
