using Netstack.Buffers;

namespace Netstack.Link;

/// <summary>
/// A link that makes any inner link worse on purpose — loss, duplication, reordering, corruption, delay and
/// jitter, like Linux's netem — reproducibly: the random draws come from a seed and the delays from the injected
/// <see cref="TimeProvider"/>, so under a fake clock a scenario replays bit for bit. It sits between the stack
/// and the inner link, as the stack's <see cref="ILinkEndpoint"/> and the inner link's <see cref="INetworkDispatcher"/>.
/// </summary>
/// <remarks>
/// Each direction has its own generator (seeded from <see cref="Seed"/>) and counters (<see cref="Outbound"/>,
/// <see cref="Inbound"/>). Delayed packets leave from the time provider's timer callback: inbound ones are then
/// delivered to the stack on that thread (the test's thread under a fake clock), outbound ones written to the
/// inner link from it. A packet held back for reordering waits for the next packet in its direction (a lone last
/// packet waits until the sender retransmits or sends again). Disposing releases everything held or delayed.
/// </remarks>
public sealed class ImpairedLink : ILinkEndpoint, INetworkDispatcher
{
    private readonly ILinkEndpoint _inner;
    private readonly ImpairmentPipeline? _outbound;
    private readonly ImpairmentPipeline? _inbound;
    private readonly Action<PacketBatch> _writeInner;
    private readonly Action<PacketBatch> _deliverUp;
    private INetworkDispatcher? _dispatcher;
    private int _disposed;

    /// <summary>Impairs <paramref name="inner"/> as <paramref name="options"/> say; delays run on <paramref name="timeProvider"/> (the system clock when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A probability in <paramref name="options"/> is outside 0..1, or a delay is negative.</exception>
    public ImpairedLink(ILinkEndpoint inner, ImpairmentOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _inner = inner;
        Options = options;
        Seed = options.Seed ?? Random.Shared.Next();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        _writeInner = inner.WritePackets;
        _deliverUp = DeliverUp;
        if ((options.Direction & ImpairmentDirection.Outbound) != 0)
        {
            _outbound = new ImpairmentPipeline(options, Seed, time, inner.LinkHeaderLength, _writeInner);
        }
        if ((options.Direction & ImpairmentDirection.Inbound) != 0)
        {
            _inbound = new ImpairmentPipeline(options, unchecked(Seed * 31 + 17), time, inner.LinkHeaderLength, _deliverUp);
        }
    }

    /// <summary>The link being impaired.</summary>
    public ILinkEndpoint Inner => _inner;

    /// <summary>The impairments applied (validated).</summary>
    public ImpairmentOptions Options { get; }

    /// <summary>The seed in use (the configured one, or the one picked when none was): quote it to replay a run.</summary>
    public int Seed { get; }

    /// <summary>What was done to packets the stack wrote (all zero when outbound is not impaired).</summary>
    public ImpairmentCounters Outbound => _outbound?.Counters ?? Unimpaired;

    /// <summary>What was done to packets the inner link delivered (all zero when inbound is not impaired).</summary>
    public ImpairmentCounters Inbound => _inbound?.Counters ?? Unimpaired;

    /// <summary>Packets held or delayed in both directions, not yet sent on.</summary>
    public int Pending => (_outbound?.Pending ?? 0) + (_inbound?.Pending ?? 0);

    /// <summary>The inner link's MTU.</summary>
    public int Mtu => _inner.Mtu;

    /// <summary>The inner link's header length.</summary>
    public int LinkHeaderLength => _inner.LinkHeaderLength;

    /// <summary>The inner link's capabilities.</summary>
    public LinkCapabilities Capabilities => _inner.Capabilities;

    /// <summary>The inner link's GSO limit.</summary>
    public int GsoMaxSize => _inner.GsoMaxSize;

    private static ImpairmentCounters Unimpaired { get; } = new();

    /// <summary>Attaches <paramref name="dispatcher"/> (the stack) and attaches this link to the inner one.</summary>
    /// <exception cref="InvalidOperationException">Already attached.</exception>
    public void Attach(INetworkDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        if (Interlocked.CompareExchange(ref _dispatcher, dispatcher, null) is not null)
        {
            throw new InvalidOperationException("ImpairedLink is already attached.");
        }
        _inner.Attach(this);
    }

    /// <summary>Passes the batch through the outbound impairments (or straight on when outbound is not impaired) to the inner link.</summary>
    public void WritePackets(PacketBatch batch)
    {
        if (_outbound is null)
        {
            _inner.WritePackets(batch);
        }
        else
        {
            _outbound.Process(batch);
        }
    }

    /// <summary>Inbound from the inner link.</summary>
    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        if (_inbound is null)
        {
            DeliverUp(batch);
        }
        else
        {
            _inbound.Process(batch);
        }
    }

    /// <summary>Disposes the inner link (nothing more arrives), then releases every held or delayed packet.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _inner.Dispose();
        _outbound?.Dispose();
        _inbound?.Dispose();
    }

    /// <summary>Like <see cref="Dispose"/>, waiting for the inner link's threads without blocking the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _inner.DisposeAsync().ConfigureAwait(false);
        _outbound?.Dispose();
        _inbound?.Dispose();
    }

    private void DeliverUp(PacketBatch batch)
    {
        INetworkDispatcher? dispatcher = Volatile.Read(ref _dispatcher);
        if (dispatcher is null)
        {
            batch.ReleaseAll();
            return;
        }
        dispatcher.DeliverPackets(this, batch);
    }
}
