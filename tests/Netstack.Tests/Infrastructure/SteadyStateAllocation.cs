namespace Netstack.Tests.Infrastructure;

/// <summary>
/// Measures what a steady-state loop allocates on the calling thread. A real per-packet allocation shows in
/// every round; a one-off by the runtime (tiering or type loading while other tests run in parallel) does not,
/// so the smallest of up to <c>maxRounds</c> rounds is reported.
/// </summary>
internal static class SteadyStateAllocation
{
    public static long Measure(Action round, out int rounds, int maxRounds = 3)
    {
        long smallest = long.MaxValue;
        for (rounds = 0; rounds < maxRounds && smallest != 0; rounds++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            smallest = Math.Min(smallest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return smallest;
    }

    public static long Measure(Action round) => Measure(round, out _);
}
