namespace Netstack.Link;

/// <summary>
/// The two ends of a <see cref="ChannelLink"/>, with the pumps a deterministic test drives in
/// <see cref="ChannelDispatchMode.Manual"/> mode. Deconstructs as <c>var (a, b) = ChannelLink.CreatePair();</c>.
/// </summary>
public sealed class ChannelLinkPair : IDisposable, IAsyncDisposable
{
    internal ChannelLinkPair(ChannelLink a, ChannelLink b)
    {
        A = a;
        B = b;
    }

    /// <summary>The first end.</summary>
    public ChannelLink A { get; }

    /// <summary>The second end: <see cref="ChannelLink.Peer"/> of <see cref="A"/>.</summary>
    public ChannelLink B { get; }

    /// <summary>Gives both ends, for <c>var (a, b) = ...</c>.</summary>
    public void Deconstruct(out ChannelLink a, out ChannelLink b)
    {
        a = A;
        b = B;
    }

    /// <summary>The pair as a tuple, for code written against <c>(ChannelLink A, ChannelLink B)</c>.</summary>
    public static implicit operator (ChannelLink A, ChannelLink B)(ChannelLinkPair pair) => (pair.A, pair.B);

    /// <summary>Delivers everything queued now at both ends, once (A's queue, then B's); returns the packets delivered.</summary>
    public int Pump() => A.Pump() + B.Pump();

    /// <summary>Pumps until both queues stay empty; returns the packets delivered.</summary>
    /// <exception cref="InvalidOperationException">Still busy after <paramref name="maxRounds"/> rounds.</exception>
    public int PumpUntilIdle(int maxRounds = 10000) => ChannelLink.PumpUntilIdle(A, B, maxRounds);

    /// <summary>Disposes both ends, releasing whatever is still queued.</summary>
    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }

    /// <summary>Disposes both ends, waiting for their dispatcher threads without blocking the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync().ConfigureAwait(false);
        await B.DisposeAsync().ConfigureAwait(false);
    }
}
