namespace Netstack.Tests;

/// <summary>
/// Tests that measure the whole process's managed memory (GC.GetTotalMemory) run alone, after the parallel ones:
/// allocations by tests running beside them would be counted as theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Process-wide memory measurements";
}
