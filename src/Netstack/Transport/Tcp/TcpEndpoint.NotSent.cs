namespace Netstack.Transport.Tcp;

// TCP_NOTSENT_LOWAT (TcpEndpointOptions.NotSentLowWatermark): how many written bytes may wait unsent. Linux checks the
// watermark each time a write starts a new send-sized chunk (an skb of tcp_xmit_size_goal bytes) and fills a started
// chunk whole, so a write may leave up to one burst above the watermark: the sender always has a burst to send. The
// connection reads as writable once the unsent bytes are below half the watermark (tcp_stream_memory_free's "wake").
public sealed partial class TcpEndpoint
{
    /// <summary>Bytes written but never sent yet (Linux <c>write_seq - snd_nxt</c>); SND.MAX, as a timeout rewinds SND.NXT.</summary>
    private long NotSentBytes => _sender.UsesOwnBuffer ? Math.Max(0, _sender.Buffer.Length - (_sender.SndMax - _sender.SndUna)) : 0;

    /// <summary>
    /// Copies what the send buffer and the not-sent watermark let in. Under a watermark it sends after each chunk but the
    /// last, so that the next check sees what the window took; the caller sends the rest. Returns the bytes taken.
    /// </summary>
    private int WriteWithinWatermark(ReadOnlySpan<byte> data)
    {
        if (_options.NotSentLowWatermark == int.MaxValue)
        {
            return _sender.Buffer.Write(data, _options.SendBufferSize);
        }
        int written = 0;
        while (!data.IsEmpty)
        {
            if (written > 0)
            {
                RestartWindowIfIdle(); // before the first chunk leaves, as NoteWrite would for the whole write
                Output();
            }
            int room = WatermarkRoom();
            int n = room == 0 ? 0 : _sender.Buffer.Write(data[..Math.Min(room, data.Length)], _options.SendBufferSize);
            if (n == 0)
            {
                break;
            }
            written += n;
            data = data[n..];
        }
        return written;
    }

    /// <summary>
    /// The bytes a write may add now: the rest of the unsent chunk started last (Linux fills an skb without checking),
    /// otherwise a new chunk while fewer than the watermark's bytes are unsent, otherwise none.
    /// </summary>
    private int WatermarkRoom()
    {
        long notSent = NotSentBytes;
        int goal = WriteSizeGoal();
        long partial = notSent % goal;
        if (partial > 0)
        {
            return (int)(goal - partial);
        }
        return notSent < _options.NotSentLowWatermark ? goal : 0;
    }

    /// <summary>
    /// Linux <c>tcp_xmit_size_goal</c>: one GSO super-segment of whole segments, at most half the peer's largest window.
    /// Not autosized: Linux builds its buffers at this size and splits them by the pacing rate only when it sends.
    /// </summary>
    private int WriteSizeGoal()
    {
        int mss = CurrentMss;
        uint largest = _sender.MaxSndWnd;
        long half = largest > 536 ? largest / 2 : largest; // tcp_bound_to_half_wnd
        long goal = Math.Min(GsoPayloadLimit(), half);
        return (int)Math.Max(mss, goal / mss * mss);
    }

    /// <summary>
    /// The watermark's part of writability (Linux <c>tcp_stream_memory_free</c> with wake): the unsent bytes are below
    /// half of <see cref="TcpEndpointOptions.NotSentLowWatermark"/>, so a woken writer finds room for a good chunk.
    /// </summary>
    internal bool NotSentBelowWatermark
    {
        get
        {
            lock (_lock)
            {
                return _options.NotSentLowWatermark == int.MaxValue || NotSentBytes * 2 < _options.NotSentLowWatermark;
            }
        }
    }
}
