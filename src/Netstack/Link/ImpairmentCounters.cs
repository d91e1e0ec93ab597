namespace Netstack.Link;

/// <summary>What an <see cref="ImpairedLink"/> did to the packets of one direction.</summary>
public sealed class ImpairmentCounters
{
    internal long _packets;
    internal long _lost;
    internal long _duplicated;
    internal long _reordered;
    internal long _corrupted;
    internal long _delayed;
    internal long _discarded;
    internal long _marked;

    /// <summary>Packets that entered the impairment (before loss and duplication).</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Packets dropped on purpose.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Extra copies sent.</summary>
    public long Duplicated => Interlocked.Read(ref _duplicated);

    /// <summary>Packets held back to be sent after the next one.</summary>
    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>Packets with a bit flipped.</summary>
    public long Corrupted => Interlocked.Read(ref _corrupted);

    /// <summary>Packets that went through the delay line.</summary>
    public long Delayed => Interlocked.Read(ref _delayed);

    /// <summary>Packets marked CE instead of dropped (<see cref="ImpairmentOptions.Ecn"/>).</summary>
    public long Marked => Interlocked.Read(ref _marked);

    /// <summary>Packets still held or delayed when the link was disposed, or arriving after it (released, never sent).</summary>
    public long Discarded => Interlocked.Read(ref _discarded);

    /// <summary>All counters on one line, for logs.</summary>
    public override string ToString() =>
        $"packets {Packets}, lost {Lost}, duplicated {Duplicated}, reordered {Reordered}, corrupted {Corrupted}, delayed {Delayed}, discarded {Discarded}, marked {Marked}";
}
