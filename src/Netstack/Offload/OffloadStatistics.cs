using System.Diagnostics.Metrics;
using Netstack.Stack;

namespace Netstack.Offload;

/// <summary>Counters of the software offloads: GSO splitting super-segments before a link, GRO merging segments after one.</summary>
/// <remarks>Fields are incremented with <see cref="Interlocked"/> once per batch; read them with <see cref="Interlocked.Read(ref long)"/> or through the <see cref="Meter"/> after <see cref="Register"/>.</remarks>
public sealed class OffloadStatistics
{
    /// <summary>Super-segments split in software (the link lacked <see cref="Link.LinkCapabilities.Gso"/>).</summary>
    public long GsoPackets;

    /// <summary>Wire segments those super-segments became.</summary>
    public long GsoSegments;

    /// <summary>Super-segments dropped because their headers could not be segmented.</summary>
    public long GsoDrops;

    /// <summary>Coalesced packets handed to the network layer (each made of two or more wire segments).</summary>
    public long GroPackets;

    /// <summary>Wire segments that went into those coalesced packets.</summary>
    public long GroSegments;

    /// <summary>Publishes every counter as an observable counter named <c>{prefix}.{Name}</c> (e.g. <c>netstack.offload.GsoPackets</c>).</summary>
    public void Register(Meter meter, string prefix)
    {
        ArgumentNullException.ThrowIfNull(meter);
        StatisticsRegistration.Add(meter, prefix, nameof(GsoPackets), () => Interlocked.Read(ref GsoPackets));
        StatisticsRegistration.Add(meter, prefix, nameof(GsoSegments), () => Interlocked.Read(ref GsoSegments));
        StatisticsRegistration.Add(meter, prefix, nameof(GsoDrops), () => Interlocked.Read(ref GsoDrops));
        StatisticsRegistration.Add(meter, prefix, nameof(GroPackets), () => Interlocked.Read(ref GroPackets));
        StatisticsRegistration.Add(meter, prefix, nameof(GroSegments), () => Interlocked.Read(ref GroSegments));
    }
}
