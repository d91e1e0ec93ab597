using System.Buffers;

namespace Netstack.Sockets;

/// <summary>
/// Builds a <see cref="ReadOnlySequence{T}"/> over the payloads of received packet buffers, reusing its segment
/// objects from one read to the next (a reader may only use a sequence until it advances, so the next read can
/// relink them): a steady stream of reads allocates nothing.
/// </summary>
internal sealed class ReceivedSegments
{
    private readonly List<Segment> _pool = [];

    /// <summary>The sequence over <paramref name="payloads"/> in order (empty when there are none).</summary>
    public ReadOnlySequence<byte> Link(List<ArraySegment<byte>> payloads)
    {
        switch (payloads.Count)
        {
            case 0:
                return ReadOnlySequence<byte>.Empty;
            case 1:
                return new ReadOnlySequence<byte>(payloads[0]);
        }
        while (_pool.Count < payloads.Count)
        {
            _pool.Add(new Segment());
        }
        long runningIndex = 0;
        Segment? previous = null;
        for (int i = 0; i < payloads.Count; i++)
        {
            Segment segment = _pool[i];
            segment.Reset(payloads[i], runningIndex);
            previous?.SetNext(segment);
            runningIndex += payloads[i].Count;
            previous = segment;
        }
        Segment last = _pool[payloads.Count - 1];
        return new ReadOnlySequence<byte>(_pool[0], 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public void Reset(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
            Next = null;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
